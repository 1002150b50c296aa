"""The search of GET /servers and /servers/detail: Nova's query parameters
turned into database filters, sort keys and a page.

Admins (``servers:allow_all_filters``) may filter on any instance column;
other callers on the options their microversion allows, the rest being
dropped (before 2.75; the query schema refuses them from 2.75).
"""

from __future__ import annotations

import dataclasses
import re

import webob
from oslo_utils import strutils, timeutils

from nova_lite import exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.schemas import servers as schemas
from nova_lite.api.views import servers as views
from nova_lite.objects.flavor import Flavor

TAG_FILTERS = schemas.TAG_FILTERS
_PAGING_SORTING = ("sort_key", "sort_dir", "limit", "marker")
# The options every caller may use, by the microversion that allowed them.
_USER_OPTIONS = (
    ("2.1", ("reservation_id", "name", "status", "image", "flavor", "ip", "changes-since")),
    ("2.1", ("all_tenants",)),
    ("2.5", ("ip6",)),
    ("2.26", TAG_FILTERS),
    ("2.66", ("changes-before",)),
    ("2.73", ("locked",)),
    (
        "2.83",
        (
            "availability_zone",
            "config_drive",
            "key_name",
            "created_at",
            "launched_at",
            "terminated_at",
            "power_state",
            "task_state",
            "vm_state",
            "progress",
            "user_id",
        ),
    ),
    ("2.90", ("hostname",)),
)
# Options whose value is a regular expression (Nova's query schema).
_REGEX_OPTIONS = frozenset(
    {
        "kernel_id",
        "ramdisk_id",
        "hostname",
        "key_name",
        "power_state",
        "node",
        "flavor",
        "reservation_id",
        "launched_at",
        "terminated_at",
        "availability_zone",
        "name",
        "display_name",
        "description",
        "display_description",
        "locked_by",
        "root_device_name",
        "config_drive",
        "access_ip_v4",
        "access_ip_v6",
        "auto_disk_config",
        "progress",
        "ip",
        "ip6",
        "created_at",
        *TAG_FILTERS,
    }
)
# Options named differently in the database.
_RENAMED = {"image": "image_ref", "name": "display_name", "tenant_id": "project_id"}
# Sort keys only admins may use.
_ADMIN_SORT_KEYS = ("host", "node")


@dataclasses.dataclass
class Search:
    """What to list: ``filters`` is None when nothing can match."""

    filters: dict | None
    sort_keys: list[str]
    sort_dirs: list[str]
    limit: int
    marker: str | None


def _invalid(name: str, value, message: str) -> exception.InvalidRequest:
    return exception.InvalidRequest(
        reason=f"Invalid input for query parameters {name}. Value: {value}. {message}"
    )


def _allowed_options(req: webob.Request) -> set[str]:
    return {
        name for since, names in _USER_OPTIONS if handler.is_supported(req, since) for name in names
    }


def _options(req: webob.Request, context) -> dict:
    """The query's options (the last value of each) that the caller may use."""
    options = dict(req.GET.items())
    if policy.allowed(context, "os_compute_api:servers:allow_all_filters", {}):
        return {k: v for k, v in options.items() if k not in _PAGING_SORTING}
    allowed = _allowed_options(req)
    return {k: v for k, v in options.items() if k in allowed}


def _status(req: webob.Request) -> tuple[list[str], list]:
    """The vm_states and task_states of the requested statuses (Nova's map)."""
    wanted = {status.lower() for status in req.GET.getall("status")}
    vm_states, task_states = set(), set()
    for vm_state, tasks in views.STATE_MAP.items():
        for task_state, status in tasks.items():
            if status.lower() in wanted:
                vm_states.add(vm_state)
                task_states.add(task_state)
    return sorted(vm_states), list(task_states)


def _time(options: dict, name: str):
    try:
        return timeutils.parse_isotime(options[name])
    except ValueError:
        value = options[name]
        raise _invalid(name, value, f"'{value}' is not a 'date-time'") from None


def _bool(value: str, **kwargs) -> bool:
    try:
        return strutils.bool_from_string(value, **kwargs)
    except ValueError as error:
        raise exception.InvalidRequest(reason=f"Invalid input received: {error}") from None


def _sort(req: webob.Request, context) -> tuple[list[str], list[str]]:
    """Sort keys and directions (default created_at, desc), without the keys
    Nova ignores; host and node are for admins only."""
    keys = [key.strip() for key in req.params.getall("sort_key")] or ["created_at"]
    dirs = [d.strip() for d in req.params.getall("sort_dir")] or ["desc"]
    ignored = set(schemas.IGNORED_SORT_KEYS) | {"auto_disk_config"}  # never set here
    if handler.is_supported(req, "2.73"):
        ignored.discard("locked")
    for key in list(keys):
        if key in ignored:
            if len(dirs) > keys.index(key):
                dirs.pop(keys.index(key))
            keys.remove(key)
        elif key in _ADMIN_SORT_KEYS and not context.is_admin:
            raise exception.Forbidden(message=f"Only administrators can sort servers by {key}")
    return keys, dirs


def _database_filters(context, options: dict) -> dict | None:
    """Nova's compute API renames; None when nothing can match (an unknown
    flavor, or an IP address: no server has one without a network service)."""
    filters = {}
    for name, value in options.items():
        if name == "flavor":
            try:
                filters["instance_type_id"] = Flavor.get_by_flavor_id(context, value).id
            except exception.FlavorNotFound:
                return None
        elif name in ("ip", "ip6"):
            return None
        else:
            filters[_RENAMED.get(name, name)] = value
    return filters


def parse(req: webob.Request, detailed: bool) -> Search:
    """The search a list request asks for (Nova's ServersController._get_servers)."""
    context = handler.context_of(req)
    for name, value in req.GET.items():
        if name in _REGEX_OPTIONS:
            try:
                re.compile(value)
            except re.error:
                raise _invalid(name, [value], f"'{value}' is not a 'regex'") from None
    options = _options(req, context)
    for name in options:
        if name in schemas.JOINED_TABLE_FILTERS or name.startswith("_"):
            raise exception.InvalidRequest(reason=f"Invalid filter field: {name}.")
    limit, marker = pagination.limit_and_marker(req)
    sort_keys, sort_dirs = _sort(req, context)
    search = Search(None, sort_keys, sort_dirs, limit, marker)
    options.pop("status", None)
    if "status" in req.GET:
        vm_states, task_states = _status(req)
        if not vm_states:
            if handler.is_supported(req, "2.38"):
                raise exception.InvalidRequest(reason="Invalid status value")
            return search
        options["vm_state"] = vm_states
        if "default" not in task_states:
            options["task_state"] = task_states
    for name in ("changes-since", "changes-before"):
        if name in options:
            options[name] = _time(options, name)
    if options.get("changes-since") and options.get("changes-before"):
        if options["changes-before"] < options["changes-since"]:
            raise exception.InvalidRequest(
                reason="The value of changes-since must be less than or equal to changes-before."
            )
    if "deleted" in options:
        options["deleted"] = _bool(options["deleted"], default=False)
    elif "changes-since" not in options and "changes-before" not in options:
        options["deleted"] = False
    if options.get("vm_state") == ["deleted"]:
        if not context.is_admin:
            raise exception.Forbidden(message="Only administrators may list deleted instances")
        options["deleted"] = True
    if handler.is_supported(req, "2.26"):
        for name in TAG_FILTERS:
            if name in options:
                options[name] = options[name].split(",")
    all_tenants = "all_tenants" in options and (
        options["all_tenants"] == "" or _bool(options["all_tenants"], strict=True)
    )
    options.pop("all_tenants", None)
    if "locked" in options:
        options["locked"] = _bool(options["locked"], strict=True)
    if all_tenants:
        rule = "detail" if detailed else "index"
        policy.authorize(context, f"os_compute_api:servers:{rule}:get_all_tenants")
    else:
        options.pop("tenant_id", None)
        options["project_id"] = context.project_id
    search.filters = _database_filters(context, options)
    return search
