"""Request and query schemas of /servers, one per microversion range (as Nova's).

Each schema after the first is its predecessor with the properties that
microversion added or removed; the handlers name the range each applies to.
"""

from __future__ import annotations

import copy

from nova_lite.api import validation
from nova_lite.api.schemas import server_tags


def derive(schema: dict, member: str, add: dict | None = None, drop=(), require=()) -> dict:
    """A copy of ``schema`` whose ``member`` object gains ``add``, loses ``drop``
    and requires ``require`` too."""
    derived = copy.deepcopy(schema)
    body = derived["properties"][member]
    body["properties"].update(copy.deepcopy(add or {}))
    for name in drop:
        del body["properties"][name]
    if require:
        body["required"] = [*body.get("required", []), *require]
    return derived


_disk_config = {"type": "string", "enum": ["AUTO", "MANUAL"]}
_ip_address = {"type": "string", "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
_image_ref = {"type": "string", "minLength": 1, "maxLength": 255}
personality = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"path": {"type": "string"}, "contents": {"type": "string"}},
        "additionalProperties": False,
    },
}
_user_data = {"type": "string", "maxLength": 65535}


def _network_list(uuid: dict, tag: bool) -> dict:
    properties = {
        "fixed_ip": _ip_address,
        "port": {"type": ["string", "null"], "format": "uuid"},
        "uuid": uuid,
    }
    if tag:
        properties["tag"] = server_tags.tag
    return {
        "type": "array",
        "items": {"type": "object", "properties": properties, "additionalProperties": False},
    }


def _networks(tag: bool) -> dict:
    """2.37: a list of networks (uuids checked) or "auto"/"none"."""
    return {
        "oneOf": [
            _network_list({"type": "string", "format": "uuid"}, tag),
            {"type": "string", "enum": ["none", "auto"]},
        ]
    }


# -- POST /servers ---------------------------------------------------------------------
# Scheduler hints: any, but ``group`` names a server group by uuid (Nova's).
_hints = {
    "type": "object",
    "properties": {"group": {"type": "string", "format": "uuid"}},
    "additionalProperties": True,
}

create_v21 = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "imageRef": _image_ref,
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "adminPass": {"type": "string"},
                "metadata": validation.metadata,
                "networks": _network_list({"type": "string"}, tag=False),
                "OS-DCF:diskConfig": _disk_config,
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
                "personality": personality,
                "availability_zone": validation.name,
                "block_device_mapping_v2": {"type": "array"},
                "config_drive": validation.boolean,
                "key_name": validation.name,
                "min_count": validation.positive_integer,
                "max_count": validation.positive_integer,
                "return_reservation_id": validation.boolean,
                "security_groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": validation.name},
                        "additionalProperties": False,
                    },
                },
                "user_data": _user_data,
            },
            "required": ["name", "flavorRef"],
            "additionalProperties": False,
        },
        "os:scheduler_hints": _hints,
        "OS-SCH-HNT:scheduler_hints": _hints,
    },
    "required": ["server"],
    "additionalProperties": False,
}
create_v219 = derive(create_v21, "server", {"description": validation.description})
# 2.32 tags networks; 2.33 to 2.36 keep that (block device tags went, by a bug).
create_v232 = derive(create_v219, "server", {"networks": _network_list({"type": "string"}, True)})
create_v237 = derive(
    create_v232, "server", {"networks": _networks(tag=False)}, require=["networks"]
)
create_v242 = derive(create_v237, "server", {"networks": _networks(tag=True)})
create_v252 = derive(create_v242, "server", {"tags": server_tags.tags})
create_v257 = derive(create_v252, "server", drop=["personality"])
create_v274 = derive(
    create_v257, "server", {"host": validation.fqdn, "hypervisor_hostname": validation.fqdn}
)
create_v290 = derive(create_v274, "server", {"hostname": validation.hostname})
create_v294 = derive(create_v290, "server", {"hostname": validation.fqdn})

# -- PUT /servers/{id} -----------------------------------------------------------------
update_v21 = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "OS-DCF:diskConfig": _disk_config,
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
            },
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}
update_v219 = derive(update_v21, "server", {"description": validation.description})
update_v290 = derive(update_v219, "server", {"hostname": validation.hostname})
update_v294 = derive(update_v290, "server", {"hostname": validation.fqdn})

# -- GET /servers, /servers/detail -----------------------------------------------------
_param = validation.query_param({"type": "string"})
# Sort keys Nova accepts but ignores before 2.75 (and refuses from 2.75).
IGNORED_SORT_KEYS = (
    "architecture",
    "cell_name",
    "cleaned",
    "default_ephemeral_device",
    "default_swap_device",
    "deleted",
    "deleted_at",
    "disable_terminate",
    "ephemeral_gb",
    "ephemeral_key_uuid",
    "id",
    "key_data",
    "launched_on",
    "locked",
    "memory_mb",
    "os_type",
    "reservation_id",
    "root_gb",
    "shutdown_terminate",
    "user_data",
    "vcpus",
    "vm_mode",
)
SORT_KEYS = (
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "availability_zone",
    "config_drive",
    "created_at",
    "display_description",
    "display_name",
    "host",
    "hostname",
    "image_ref",
    "instance_type_id",
    "kernel_id",
    "key_name",
    "launch_index",
    "launched_at",
    "locked_by",
    "node",
    "power_state",
    "progress",
    "project_id",
    "ramdisk_id",
    "root_device_name",
    "task_state",
    "terminated_at",
    "updated_at",
    "user_id",
    "uuid",
    "vm_state",
)
# Filters on attributes of other tables: a 400, not a silent no-op.
JOINED_TABLE_FILTERS = (
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
)
_QUERY_PARAMS = (
    "user_id",
    "project_id",
    "tenant_id",
    "launch_index",
    "image_ref",
    "image",
    "kernel_id",
    "ramdisk_id",
    "hostname",
    "key_name",
    "power_state",
    "vm_state",
    "task_state",
    "host",
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
    "uuid",
    "root_device_name",
    "config_drive",
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "progress",
    "sort_dir",
    "all_tenants",
    "soft_deleted",
    "deleted",
    "status",
    "changes-since",
    "ip",
    "ip6",
    "created_at",
    "marker",
    *JOINED_TABLE_FILTERS,
)


def _query(sort_keys, *extra: str, strict: bool = False) -> dict:
    properties = {name: _param for name in (*_QUERY_PARAMS, *extra)}
    properties["sort_key"] = validation.query_param({"type": "string", "enum": list(sort_keys)})
    properties["limit"] = validation.query_param(validation.non_negative_integer)
    return {
        "type": "object",
        "properties": properties,
        # Before 2.75 unknown parameters are dropped (or refused by the
        # handler: joined tables and names starting with "_").
        "additionalProperties": not strict,
        "patternProperties": {"^_": _param},
    }


TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
_sort_keys_v273 = (*SORT_KEYS, "locked", *(k for k in IGNORED_SORT_KEYS if k != "locked"))
query_v21 = _query((*SORT_KEYS, *IGNORED_SORT_KEYS))
query_v226 = _query((*SORT_KEYS, *IGNORED_SORT_KEYS), *TAG_FILTERS)
query_v266 = _query((*SORT_KEYS, *IGNORED_SORT_KEYS), *TAG_FILTERS, "changes-before")
query_v273 = _query(_sort_keys_v273, *TAG_FILTERS, "changes-before", "locked")
query_v275 = _query((*SORT_KEYS, "locked"), *TAG_FILTERS, "changes-before", "locked", strict=True)
