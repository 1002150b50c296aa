"""Queries. Every function takes the request context first.

Only the conductor calls these; other services reach them through the
conductor's object proxy.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
import threading
from typing import Any

import sqlalchemy
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
from oslo_utils import timeutils, uuidutils
from sqlalchemy import and_, exists, func, not_, or_, orm, select, update

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.compute import vm_states
from nova_lite.db import models

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

enginefacade.transaction_context_provider(nova_context.RequestContext)
_main = enginefacade.transaction_context()
_configured = threading.Lock()
_is_configured = False
_is_sqlite = False
_sqlite_writes = threading.RLock()


def configure(conf: cfg.ConfigOpts = CONF) -> None:
    """Point the engine facade at ``[database] connection`` (once per process)."""
    global _is_configured, _is_sqlite
    with _configured:
        if _is_configured:
            return
        if not conf.database.connection:
            raise exception.DatabaseNotConfigured()
        url = conf.database.connection
        pool = (
            {}
            if url.startswith("sqlite")
            else {
                "max_pool_size": conf.database.max_pool_size,
                "max_overflow": conf.database.max_overflow,
                "pool_timeout": conf.database.pool_timeout,
            }
        )
        _main.configure(
            connection=url,
            connection_recycle_time=conf.database.connection_recycle_time,
            max_retries=conf.database.max_retries,
            retry_interval=conf.database.retry_interval,
            sqlite_fk=False,
            **pool,
        )
        # Start now with these values only: started lazily, the facade would
        # register oslo.db's own [database] options over ours on cfg.CONF.
        _main._factory._start(conf=None)
        _is_sqlite = url.startswith("sqlite")
        if _is_sqlite:
            sqlalchemy.event.listen(get_engine(), "connect", _sqlite_wal)
        _is_configured = True


def get_engine():
    return _main.writer.get_engine()


def _reader(fn):
    @functools.wraps(fn)
    def wrapper(context, *args, **kwargs):
        with _main.reader.using(context):
            return fn(context, *args, **kwargs)

    return wrapper


def _writer(fn):
    @functools.wraps(fn)
    def wrapper(context, *args, **kwargs):
        with _write_lock(), _main.writer.using(context):
            return fn(context, *args, **kwargs)

    return wrapper


def _write_lock():
    """SQLite allows one writer: serialise this process's write transactions
    there instead of failing with 'database is locked'."""
    return _sqlite_writes if _is_sqlite else contextlib.nullcontext()


def _sqlite_wal(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _session(context):
    return context.session


def _not_deleted(context, model):
    """The soft-delete filter the context's ``read_deleted`` asks for."""
    if context.read_deleted == "yes":
        return True
    if context.read_deleted == "only":
        return model.deleted != 0
    return model.deleted == 0


def _nulls_first(value) -> tuple:
    """A sort key that puts NULLs first instead of comparing them with values."""
    return (value is not None, value if value is not None else 0)


def _soft_delete(context, model, *criteria) -> int:
    now = timeutils.utcnow()
    stmt = (
        update(model)
        .where(model.deleted == 0, *criteria)
        .values(deleted=model.id, deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _session(context).execute(stmt).rowcount


def _paginate(context, stmt, order: list[tuple[Any, bool]], limit: int | None, marker_row=None):
    """Rows of ``stmt`` in ``order`` ((column, descending) pairs), after ``marker_row``.

    Keyset paging as oslo.db's paginate_query: the last column must be
    unique so that the order is total.
    """
    if marker_row is not None:
        after = []
        for index, (column, descending) in enumerate(order):
            value = getattr(marker_row, column.key)
            ties = [c == getattr(marker_row, c.key) for c, _ in order[:index]]
            after.append(and_(*ties, column < value if descending else column > value))
        stmt = stmt.where(or_(*after))
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c, descending in order))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(_session(context).scalars(stmt))


# -- services ---------------------------------------------------------------


@_writer
def service_create(context, values: dict) -> models.Service:
    row = models.Service(uuid=values.pop("uuid", None) or uuidutils.generate_uuid(), **values)
    try:
        _session(context).add(row)
        _session(context).flush()
    except db_exc.DBDuplicateEntry:
        raise exception.ServiceExists(
            host=values.get("host"), binary=values.get("binary")
        ) from None
    return row


@_reader
def service_get(context, service_id: int | str) -> models.Service:
    col = models.Service.uuid if uuidutils.is_uuid_like(service_id) else models.Service.id
    row = (
        _session(context)
        .scalars(
            select(models.Service).where(col == service_id, _not_deleted(context, models.Service))
        )
        .first()
    )
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


@_reader
def service_get_by_host_and_binary(context, host: str, binary: str) -> models.Service:
    row = (
        _session(context)
        .scalars(
            select(models.Service).where(
                models.Service.host == host,
                models.Service.binary == binary,
                models.Service.deleted == 0,
            )
        )
        .first()
    )
    if row is None:
        raise exception.ComputeHostNotFound(host=host)
    return row


@_reader
def service_get_all(
    context, binary: str | None = None, host: str | None = None, disabled: bool | None = None
) -> list[models.Service]:
    stmt = select(models.Service).where(models.Service.deleted == 0)
    if binary is not None:
        stmt = stmt.where(models.Service.binary == binary)
    if host is not None:
        stmt = stmt.where(models.Service.host == host)
    if disabled is not None:
        stmt = stmt.where(models.Service.disabled == disabled)
    return list(_session(context).scalars(stmt.order_by(models.Service.id)))


@_writer
def service_update(context, service_id: int, values: dict) -> models.Service:
    row = service_get(context, service_id)
    for key, value in values.items():
        setattr(row, key, value)
    _session(context).flush()
    return row


@_writer
def service_destroy(context, service_id: int) -> None:
    """Soft-delete a service; a compute service's compute nodes go with it (as in Nova)."""
    row = service_get(context, service_id)
    _soft_delete(context, models.Service, models.Service.id == row.id)
    if row.binary == "nova-compute":
        _soft_delete(context, models.ComputeNode, models.ComputeNode.host == row.host)


# -- compute nodes ----------------------------------------------------------


@_writer
def compute_node_create(context, values: dict) -> models.ComputeNode:
    row = models.ComputeNode(uuid=values.pop("uuid", None) or uuidutils.generate_uuid(), **values)
    _session(context).add(row)
    _session(context).flush()
    return row


@_reader
def compute_node_get(context, node_id: int | str) -> models.ComputeNode:
    col = models.ComputeNode.uuid if uuidutils.is_uuid_like(node_id) else models.ComputeNode.id
    row = (
        _session(context)
        .scalars(select(models.ComputeNode).where(col == node_id, models.ComputeNode.deleted == 0))
        .first()
    )
    if row is None:
        raise exception.ComputeNodeNotFound(node=node_id)
    return row


@_reader
def compute_node_get_all(
    context, host: str | None = None, limit: int | None = None, marker: int | str | None = None
) -> list[models.ComputeNode]:
    """Compute nodes by id; ``marker`` (an id or uuid) starts after that node."""
    stmt = select(models.ComputeNode).where(models.ComputeNode.deleted == 0)
    if host is not None:
        stmt = stmt.where(models.ComputeNode.host == host)
    marker_row = None
    if marker is not None:
        try:
            marker_row = compute_node_get(context, marker)
        except exception.ComputeNodeNotFound:
            raise exception.MarkerNotFound(marker=marker) from None
    return _paginate(context, stmt, [(models.ComputeNode.id, False)], limit, marker_row)


@_reader
def compute_node_search_by_hypervisor(context, pattern: str) -> list[models.ComputeNode]:
    """Compute nodes whose hypervisor_hostname contains ``pattern`` (SQL LIKE)."""
    N = models.ComputeNode
    stmt = select(N).where(N.deleted == 0, N.hypervisor_hostname.like(f"%{pattern}%"))
    return list(_session(context).scalars(stmt.order_by(N.id)))


@_writer
def compute_node_update(context, node_id: int, values: dict) -> models.ComputeNode:
    row = compute_node_get(context, node_id)
    for key, value in values.items():
        setattr(row, key, value)
    _session(context).flush()
    return row


# -- allocations (the scheduler's claims) ---------------------------------


@_reader
def allocation_usage_by_node(context) -> dict[str, dict[str, int]]:
    """Claimed vcpus, memory_mb and disk_gb per compute node uuid."""
    A = models.Allocation
    rows = _session(context).execute(
        select(
            A.compute_node_uuid,
            func.sum(A.vcpus),
            func.sum(A.memory_mb),
            func.sum(A.disk_gb),
            func.count(A.id),
        ).group_by(A.compute_node_uuid)
    )
    return {
        node: {
            "vcpus": int(v or 0),
            "memory_mb": int(m or 0),
            "disk_gb": int(d or 0),
            "instances": int(n),
        }
        for node, v, m, d, n in rows
    }


@_reader
def allocation_consumers_by_node(context) -> dict[str, list[str]]:
    """The instances holding claims, per compute node uuid; a claim a migration
    holds (a move's source or destination) counts for its instance."""
    A, M = models.Allocation, models.Migration
    rows = _session(context).execute(
        select(A.compute_node_uuid, func.coalesce(M.instance_uuid, A.consumer_uuid)).outerjoin(
            M, M.uuid == A.consumer_uuid
        )
    )
    consumers: dict[str, list[str]] = {}
    for node, consumer in rows:
        consumers.setdefault(node, []).append(consumer)
    return consumers


RESOURCES = ("vcpus", "memory_mb", "disk_gb")


def _capacity(node: models.ComputeNode) -> dict[str, float]:
    return {
        "vcpus": node.vcpus * node.cpu_allocation_ratio,
        "memory_mb": (node.memory_mb - node.reserved_host_memory_mb) * node.ram_allocation_ratio,
        "disk_gb": (node.local_gb - node.reserved_host_disk_mb / 1024.0)
        * node.disk_allocation_ratio,
    }


@_writer
def allocation_claim(context, claims: list[dict]) -> list[str]:
    """Claim resources for consumers; return the consumers that did not fit.

    Each claim is a dict with consumer_uuid, compute_node_uuid, vcpus,
    memory_mb and disk_gb. Nodes are locked for the transaction, so two
    schedulers can never over-commit a node between them.
    """
    session = _session(context)
    A = models.Allocation
    node_uuids = sorted({c["compute_node_uuid"] for c in claims})
    nodes = {
        n.uuid: n
        for n in session.scalars(
            select(models.ComputeNode)
            .where(models.ComputeNode.uuid.in_(node_uuids), models.ComputeNode.deleted == 0)
            .order_by(models.ComputeNode.uuid)
            .with_for_update()
        )
    }
    consumers = [c["consumer_uuid"] for c in claims]
    used = {node: {"vcpus": 0, "memory_mb": 0, "disk_gb": 0} for node in node_uuids}
    for node, v, m, d in session.execute(
        select(A.compute_node_uuid, func.sum(A.vcpus), func.sum(A.memory_mb), func.sum(A.disk_gb))
        .where(A.compute_node_uuid.in_(node_uuids), A.consumer_uuid.not_in(consumers))
        .group_by(A.compute_node_uuid)
    ):
        used[node] = {"vcpus": int(v or 0), "memory_mb": int(m or 0), "disk_gb": int(d or 0)}
    failed = []
    for claim in claims:
        node = nodes.get(claim["compute_node_uuid"])
        if node is None:
            failed.append(claim["consumer_uuid"])
            continue
        capacity = _capacity(node)
        usage = used[node.uuid]
        if any(usage[r] + claim[r] > capacity[r] for r in RESOURCES):
            failed.append(claim["consumer_uuid"])
            continue
        for r in RESOURCES:
            usage[r] += claim[r]
        # A consumer's new claim replaces its old one; a refused claim keeps it.
        session.execute(A.__table__.delete().where(A.consumer_uuid == claim["consumer_uuid"]))
        session.add(A(**claim))
    return failed


@_writer
def allocation_delete(context, consumer_uuid: str) -> None:
    _session(context).execute(
        models.Allocation.__table__.delete().where(models.Allocation.consumer_uuid == consumer_uuid)
    )


@_writer
def allocation_move(
    context, source_consumer: str, target_consumer: str, if_held: bool = False
) -> bool:
    """Give ``source_consumer``'s allocation to ``target_consumer`` in one step.

    Whatever the target held before is dropped, so afterwards the target holds
    exactly what the source held (possibly nothing: then False is returned).
    With ``if_held``, a source holding nothing leaves the target as it is (a
    repair that may run twice). Moves use it to park an instance's allocation
    on its migration and back.
    """
    A = models.Allocation
    session = _session(context)
    if (
        if_held
        and not session.scalars(
            select(A.id).where(A.consumer_uuid == source_consumer).limit(1)
        ).first()
    ):
        return False
    session.execute(A.__table__.delete().where(A.consumer_uuid == target_consumer))
    result = session.execute(
        update(A)
        .where(A.consumer_uuid == source_consumer)
        .values(consumer_uuid=target_consumer)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


# -- flavors ------------------------------------------------------------------


@_writer
def flavor_create(
    context, values: dict, extra_specs: dict | None = None, projects: list[str] | None = None
) -> models.Flavor:
    row = models.Flavor(**values)
    row.extra_specs = [
        models.FlavorExtraSpec(key=k, value=v) for k, v in (extra_specs or {}).items()
    ]
    row.projects = [models.FlavorProject(project_id=p) for p in projects or []]
    session = _session(context)
    for key in ("flavorid", "name"):
        if session.scalars(
            select(models.Flavor.id).where(getattr(models.Flavor, key) == values[key])
        ).first():
            raise exception.FlavorExists(
                key="ID" if key == "flavorid" else "name", value=values[key]
            )
    try:
        session.add(row)
        session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.FlavorExists(key="name", value=values["name"]) from None
    return row


def _flavor_visible(context):
    if context.is_admin:
        return True
    return or_(
        models.Flavor.is_public.is_(True),
        models.Flavor.projects.any(models.FlavorProject.project_id == context.project_id),
    )


@_reader
def flavor_get_by_flavor_id(context, flavorid: str) -> models.Flavor:
    row = (
        _session(context)
        .scalars(
            select(models.Flavor).where(
                models.Flavor.flavorid == str(flavorid), _flavor_visible(context)
            )
        )
        .first()
    )
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


@_reader
def flavor_get_all(
    context,
    is_public: bool | None = True,
    min_memory_mb: int | None = None,
    min_root_gb: int | None = None,
    sort_key: str = "flavorid",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: str | None = None,
    disabled: bool | None = None,
) -> list[models.Flavor]:
    F = models.Flavor
    stmt = select(F)
    if disabled is not None:
        stmt = stmt.where(F.disabled.is_(disabled))
    if is_public is not None:
        if context.is_admin:
            stmt = stmt.where(F.is_public.is_(is_public))
        elif is_public:
            stmt = stmt.where(_flavor_visible(context))
        else:
            stmt = stmt.where(F.is_public.is_(False), _flavor_visible(context))
    elif not context.is_admin:
        stmt = stmt.where(_flavor_visible(context))
    if min_memory_mb is not None:
        stmt = stmt.where(F.memory_mb >= min_memory_mb)
    if min_root_gb is not None:
        stmt = stmt.where(F.root_gb >= min_root_gb)
    rows = list(_session(context).scalars(stmt))
    rows.sort(key=lambda r: (_nulls_first(getattr(r, sort_key)), r.id), reverse=sort_dir == "desc")
    if marker is not None:
        ids = [r.flavorid for r in rows]
        if marker not in ids:
            raise exception.MarkerNotFound(marker=marker)
        rows = rows[ids.index(marker) + 1 :]
    return rows[:limit] if limit is not None else rows


def _flavor_for_update(context, flavorid: str) -> models.Flavor:
    row = (
        _session(context)
        .scalars(select(models.Flavor).where(models.Flavor.flavorid == str(flavorid)))
        .first()
    )
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


@_writer
def flavor_update(context, flavorid: str, values: dict) -> models.Flavor:
    """Change a flavor's own columns (Nova lets only ``description`` change)."""
    row = _flavor_for_update(context, flavorid)
    for key, value in values.items():
        setattr(row, key, value)
    _session(context).flush()
    return row


@_writer
def flavor_extra_specs_update(context, flavorid: str, specs: dict[str, str]) -> models.Flavor:
    """Add or replace extra specs of a flavor."""
    row = _flavor_for_update(context, flavorid)
    existing = {spec.key: spec for spec in row.extra_specs}
    for key, value in specs.items():
        if key in existing:
            existing[key].value = value
        else:
            row.extra_specs.append(models.FlavorExtraSpec(key=key, value=value))
    _session(context).flush()
    return row


@_writer
def flavor_extra_specs_delete(context, flavorid: str, key: str) -> models.Flavor:
    """Remove one extra spec; FlavorExtraSpecsNotFound when the flavor has no such key."""
    row = _flavor_for_update(context, flavorid)
    spec = next((spec for spec in row.extra_specs if spec.key == key), None)
    if spec is None:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid, extra_specs_key=key)
    row.extra_specs.remove(spec)
    _session(context).flush()
    return row


@_writer
def flavor_access_add(context, flavorid: str, project_id: str) -> models.Flavor:
    """Let ``project_id`` use a flavor; FlavorAccessExists when it already may."""
    row = _flavor_for_update(context, flavorid)
    if any(p.project_id == project_id for p in row.projects):
        raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id)
    row.projects.append(models.FlavorProject(project_id=project_id))
    try:
        _session(context).flush()
    except db_exc.DBDuplicateEntry:
        raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id) from None
    return row


@_writer
def flavor_access_remove(context, flavorid: str, project_id: str) -> models.Flavor:
    """Take a project's access away; FlavorAccessNotFound when it had none."""
    row = _flavor_for_update(context, flavorid)
    access = next((p for p in row.projects if p.project_id == project_id), None)
    if access is None:
        raise exception.FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)
    row.projects.remove(access)
    _session(context).flush()
    return row


@_writer
def flavor_destroy(context, flavorid: str) -> None:
    _session(context).delete(_flavor_for_update(context, flavorid))


# -- instances ----------------------------------------------------------------

_INSTANCE_EXTRA = ("metadata", "system_metadata")


def _set_instance_dicts(
    context, uuid: str, metadata: dict | None, system_metadata: dict | None, new: bool = False
) -> None:
    """Replace the instance's metadata and system metadata (those given);
    ``new``: the instance is being inserted, so it has no items to replace."""
    session = _session(context)
    for model, items in (
        (models.InstanceMetadata, metadata),
        (models.InstanceSystemMetadata, system_metadata),
    ):
        if items is None:
            continue
        if not new:
            _soft_delete(context, model, model.instance_uuid == uuid)
        for key, value in items.items():
            session.add(model(instance_uuid=uuid, key=key, value=value))


def _record_action(context, uuid: str, action: str | None) -> None:
    """Start an instance action for the context's request, in its transaction."""
    if action is None:
        return
    _session(context).add(
        models.InstanceAction(
            action=action,
            instance_uuid=uuid,
            request_id=context.request_id,
            user_id=context.user_id,
            project_id=context.project_id,
            start_time=timeutils.utcnow(),
        )
    )


def instance_create(context, values: dict, action: str | None = None) -> models.Instance:
    """Insert an instance (with its ``tags`` and its first action, when given)."""
    return instance_create_all(context, [values], action)[0]


@_writer
def instance_create_all(
    context, values_list: list[dict], action: str | None = None
) -> list[models.Instance]:
    """Insert instances in one transaction, as instance_create; returns them in order."""
    session = _session(context)
    uuids = []
    for values in values_list:
        values = dict(values)
        extras = {k: values.pop(k, None) for k in _INSTANCE_EXTRA}
        tags = values.pop("tags", None) or ()
        values.setdefault("uuid", uuidutils.generate_uuid())
        session.add(models.Instance(**values))
        _set_instance_dicts(
            context,
            values["uuid"],
            extras["metadata"] or {},
            extras["system_metadata"] or {},
            new=True,
        )
        session.add_all(models.Tag(resource_id=values["uuid"], tag=tag) for tag in set(tags))
        _record_action(context, values["uuid"], action)
        uuids.append(values["uuid"])
    session.flush()
    stmt = (
        select(models.Instance)
        .where(models.Instance.uuid.in_(uuids))
        .execution_options(populate_existing=True)
    )
    rows = {row.uuid: row for row in session.scalars(stmt).unique()}
    return [rows[uuid] for uuid in uuids]


def _joined(stmt, columns_to_join: list[str] | None):
    """Load the instance relationships that are loaded only on demand (``tags``)."""
    if columns_to_join and "tags" in columns_to_join:
        stmt = stmt.options(orm.selectinload(models.Instance.tag_rows))
    return stmt


@_reader
def instance_get_by_uuid(
    context, uuid: str, columns_to_join: list[str] | None = None
) -> models.Instance:
    stmt = select(models.Instance).where(
        models.Instance.uuid == uuid, _not_deleted(context, models.Instance)
    )
    row = _session(context).scalars(_joined(stmt, columns_to_join)).unique().first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


# Filters on these columns match exactly (a list: any of its values); a filter
# on any other column is a regular expression searched in its value (Nova's
# instance_get_all_by_filters_sort).
_EXACT_FILTERS = (
    "project_id",
    "user_id",
    "image_ref",
    "vm_state",
    "instance_type_id",
    "uuid",
    "host",
    "task_state",
    "locked",
)
# Filters that are not columns, handled on their own.
_SPECIAL_FILTERS = (
    "deleted",
    "soft_deleted",
    "changes-since",
    "changes-before",
    "tags",
    "tags-any",
    "not-tags",
    "not-tags-any",
)


def _has_tag(tag_filter):
    return exists().where(models.Tag.resource_id == models.Instance.uuid, tag_filter)


def _tag_criteria(filters: dict) -> list:
    """Where clauses of the 2.26 tag filters (each a list of tags)."""
    criteria = []
    if filters.get("tags"):
        criteria += [_has_tag(models.Tag.tag == tag) for tag in filters["tags"]]
    if filters.get("tags-any"):
        criteria.append(_has_tag(models.Tag.tag.in_(filters["tags-any"])))
    if filters.get("not-tags"):
        criteria.append(not_(and_(*(_has_tag(models.Tag.tag == t) for t in filters["not-tags"]))))
    if filters.get("not-tags-any"):
        criteria.append(not_(_has_tag(models.Tag.tag.in_(filters["not-tags-any"]))))
    return criteria


def _deleted_criteria(context, filters: dict) -> list:
    """``deleted`` (absent: the context's read_deleted) and ``soft_deleted``:
    listing live instances leaves out soft-deleted ones unless asked."""
    inst = models.Instance
    if filters.get("deleted") is None:
        return [_not_deleted(context, inst)]
    if filters["deleted"]:
        if filters.get("soft_deleted", True):
            return [or_(inst.deleted != 0, inst.vm_state == vm_states.SOFT_DELETED)]
        return [inst.deleted != 0]
    if filters.get("soft_deleted", False):
        return [inst.deleted == 0]
    return [
        inst.deleted == 0,
        or_(inst.vm_state.is_(None), inst.vm_state != vm_states.SOFT_DELETED),
    ]


def _regex_filter(rows: list, column: str, pattern: str) -> list:
    regex = re.compile(pattern)
    return [
        r for r in rows if getattr(r, column) is not None and regex.search(str(getattr(r, column)))
    ]


def _sort_params(sort_keys, sort_dirs) -> list[tuple[str, str]]:
    """(key, direction) pairs ending with created_at and id (Nova's process_sort_params)."""
    keys = list(sort_keys or [])
    dirs = list(sort_dirs or [])
    default = dirs[0] if dirs else "desc"
    if any(d not in ("asc", "desc") for d in dirs):
        raise exception.InvalidRequest(
            reason="Invalid input received: Unknown sort direction, must be 'desc' or 'asc'"
        )
    if len(dirs) > len(keys):
        raise exception.InvalidRequest(
            reason="Invalid input received: Sort direction size exceeds sort key size"
        )
    dirs += [default] * (len(keys) - len(dirs))
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    for key in keys:
        if key not in models.Instance.__table__.columns:
            raise exception.InvalidRequest(reason=f"Invalid sort_key {key}")
    return list(zip(keys, dirs, strict=True))


def _sorted(rows: list, order: list[tuple[str, str]]) -> list:
    for key, direction in reversed(order):
        rows.sort(key=lambda r, k=key: _nulls_first(getattr(r, k)), reverse=direction == "desc")
    return rows


@_reader
def instance_get_all_by_filters(
    context,
    filters: dict,
    sort_keys: list[str] | None = None,
    sort_dirs: list[str] | None = None,
    limit: int | None = None,
    marker: str | None = None,
    columns_to_join: list[str] | None = None,
) -> list[models.Instance]:
    """Instances matching ``filters``, sorted, at most ``limit`` after the ``marker``.

    Filters: the exact columns of _EXACT_FILTERS (a list matches any of its
    values), a regular expression for any other column (``name`` stands for
    display_name), ``changes-since``/``changes-before`` (bounds of
    updated_at), ``deleted``, ``soft_deleted`` and the tag filters. Sorting
    ends with created_at and id; the marker must be one of the matches; a
    limit of 0 finds nothing.
    """
    inst = models.Instance
    filters = dict(filters)
    if "name" in filters:
        filters["display_name"] = filters.pop("name")
    order = _sort_params(sort_keys, sort_dirs)
    if limit == 0:
        return []
    stmt = select(inst).where(*_deleted_criteria(context, filters), *_tag_criteria(filters))
    for key in _EXACT_FILTERS:
        if key in filters:
            value, col = filters[key], getattr(inst, key)
            stmt = stmt.where(
                col.in_(value) if isinstance(value, (list, tuple, set)) else col == value
            )
    if filters.get("changes-since"):
        stmt = stmt.where(inst.updated_at >= timeutils.normalize_time(filters["changes-since"]))
    if filters.get("changes-before"):
        stmt = stmt.where(inst.updated_at <= timeutils.normalize_time(filters["changes-before"]))
    rows = list(_session(context).scalars(_joined(stmt, columns_to_join)).unique())
    for key, value in filters.items():
        if key not in _EXACT_FILTERS + _SPECIAL_FILTERS and key in inst.__table__.columns:
            rows = _regex_filter(rows, key, str(value))
    rows = _sorted(rows, order)
    if marker is not None:
        uuids = [r.uuid for r in rows]
        if marker not in uuids:
            raise exception.InvalidRequest(reason=f"marker [{marker}] not found")
        rows = rows[uuids.index(marker) + 1 :]
    return rows[:limit] if limit is not None else rows


@_reader
def instance_get_busy_since(context, before) -> list[models.Instance]:
    """Instances with a task_state whose last update is older than ``before``."""
    inst = models.Instance
    stmt = select(inst).where(
        inst.deleted == 0,
        inst.task_state.is_not(None),
        func.coalesce(inst.updated_at, inst.created_at) < timeutils.normalize_time(before),
    )
    return list(_session(context).scalars(stmt).unique())


@_writer
def instance_update(
    context,
    uuid: str,
    values: dict,
    expected: dict | None = None,
    action: str | None = None,
    start_event: dict | None = None,
) -> models.Instance:
    """Update one instance, compare-and-swap on ``expected`` columns.

    ``expected`` maps a column (task_state, vm_state) to the values it may
    have now; when the row does not match, nothing is written and
    UnexpectedTaskStateError (or its deleting variant) is raised. ``action``
    starts an instance action in the same transaction, so an action is
    recorded exactly when its state change wins; ``start_event`` (event, host)
    likewise starts an event of the request's action, if it has one.
    """
    values = dict(values)
    extras = {k: values.pop(k, None) for k in _INSTANCE_EXTRA}
    session = _session(context)
    conditions = [models.Instance.uuid == uuid, models.Instance.deleted == 0]
    for column, allowed in (expected or {}).items():
        allowed = list(allowed) if isinstance(allowed, (list, tuple, set)) else [allowed]
        col = getattr(models.Instance, column)
        clause = col.in_([a for a in allowed if a is not None])
        if None in allowed:
            clause = or_(clause, col.is_(None))
        conditions.append(clause)
    values.setdefault("updated_at", timeutils.utcnow())
    result = session.execute(
        update(models.Instance)
        .where(and_(*conditions))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        row = instance_get_by_uuid(context, uuid)  # InstanceNotFound when it is gone
        actual = {c: getattr(row, c) for c in (expected or {})}
        error = (
            exception.UnexpectedDeletingTaskStateError
            if row.task_state == "deleting"
            else exception.UnexpectedTaskStateError
        )
        raise error(instance_uuid=uuid, expected=expected, actual=actual)
    _set_instance_dicts(context, uuid, extras["metadata"], extras["system_metadata"])
    _record_action(context, uuid, action)
    if start_event is not None:
        action_row = _action_get_by_request_id(context, uuid, context.request_id)
        if action_row is not None:
            session.add(
                models.InstanceActionEvent(
                    action_id=action_row.id, start_time=timeutils.utcnow(), **start_event
                )
            )
    session.flush()
    return instance_get_by_uuid(context, uuid)


@_writer
def instance_destroy(
    context, uuid: str, values: dict | None = None, expected_task_state: list | None = None
) -> models.Instance:
    """Soft-delete an instance and the rows that hang off it.

    ``values`` are written in the same transaction; ``expected_task_state``
    makes it a compare-and-swap as in instance_update.
    """
    expected = None if expected_task_state is None else {"task_state": expected_task_state}
    row = instance_update(context, uuid, values or {}, expected)
    if not _soft_delete(context, models.Instance, models.Instance.uuid == uuid):
        raise exception.InstanceNotFound(instance_id=uuid)
    for model in (
        models.InstanceMetadata,
        models.InstanceSystemMetadata,
        models.InstanceGroupMember,  # a deleted server leaves its server group
    ):
        _soft_delete(context, model, model.instance_uuid == uuid)
    _session(context).execute(
        models.Allocation.__table__.delete().where(models.Allocation.consumer_uuid == uuid)
    )
    _session(context).execute(models.Tag.__table__.delete().where(models.Tag.resource_id == uuid))
    _session(context).refresh(row)
    return row


# -- server tags (2.26) ----------------------------------------------------------


def _tags_of(context, resource_id: str) -> list[models.Tag]:
    """The instance's tags by name; InstanceNotFound when it does not exist."""
    instance_get_by_uuid(context, resource_id)
    stmt = select(models.Tag).where(models.Tag.resource_id == resource_id).order_by(models.Tag.tag)
    return list(_session(context).scalars(stmt))


@_reader
def tag_get_by_resource_id(context, resource_id: str) -> list[models.Tag]:
    return _tags_of(context, resource_id)


@_reader
def tag_exists(context, resource_id: str, tag: str) -> bool:
    return any(row.tag == tag for row in _tags_of(context, resource_id))


@_writer
def tag_add(context, resource_id: str, tag: str) -> models.Tag:
    """Add one tag (nothing changes when the instance has it already)."""
    existing = {row.tag: row for row in _tags_of(context, resource_id)}
    if tag in existing:
        return existing[tag]
    row = models.Tag(resource_id=resource_id, tag=tag)
    _session(context).add(row)
    _session(context).flush()
    return row


@_writer
def tag_set(context, resource_id: str, tags: list[str]) -> list[models.Tag]:
    """Replace all the instance's tags with ``tags``."""
    existing = {row.tag for row in _tags_of(context, resource_id)}
    wanted = set(tags)
    session = _session(context)
    session.execute(
        models.Tag.__table__.delete().where(
            models.Tag.resource_id == resource_id, models.Tag.tag.in_(existing - wanted)
        )
    )
    session.add_all(models.Tag(resource_id=resource_id, tag=tag) for tag in wanted - existing)
    session.flush()
    return _tags_of(context, resource_id)


@_writer
def tag_delete(context, resource_id: str, tag: str) -> None:
    """Remove one tag; InstanceTagNotFound when the instance does not have it."""
    instance_get_by_uuid(context, resource_id)
    result = _session(context).execute(
        models.Tag.__table__.delete().where(
            models.Tag.resource_id == resource_id, models.Tag.tag == tag
        )
    )
    if not result.rowcount:
        raise exception.InstanceTagNotFound(instance_id=resource_id, tag=tag)


@_writer
def tag_delete_all(context, resource_id: str) -> None:
    instance_get_by_uuid(context, resource_id)
    _session(context).execute(
        models.Tag.__table__.delete().where(models.Tag.resource_id == resource_id)
    )


# -- faults and actions -------------------------------------------------------


@_writer
def instance_fault_create(context, values: dict) -> models.InstanceFault:
    row = models.InstanceFault(**values)
    _session(context).add(row)
    _session(context).flush()
    return row


@_reader
def instance_fault_get_latest(context, instance_uuid: str) -> models.InstanceFault | None:
    F = models.InstanceFault
    return (
        _session(context)
        .scalars(
            select(F)
            .where(F.instance_uuid == instance_uuid, F.deleted == 0)
            .order_by(F.id.desc())
            .limit(1)
        )
        .first()
    )


@_writer
def action_start(context, values: dict) -> models.InstanceAction:
    row = models.InstanceAction(**values)
    _session(context).add(row)
    _session(context).flush()
    return row


def _action_get_by_request_id(context, instance_uuid: str, request_id: str):
    A = models.InstanceAction
    return (
        _session(context)
        .scalars(
            select(A)
            .where(A.instance_uuid == instance_uuid, A.request_id == request_id, A.deleted == 0)
            .order_by(A.id.desc())
        )
        .first()
    )


def _utc(value: datetime.datetime | str) -> datetime.datetime:
    """A naive UTC datetime from a datetime or an ISO 8601 string (as RPC delivers it)."""
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    return timeutils.normalize_time(value)


def _changed_between(stmt, model, filters: dict):
    """``changes-since``/``changes-before`` filters on ``updated_at``, as Nova applies them."""
    if filters.get("changes-since"):
        stmt = stmt.where(model.updated_at >= _utc(filters["changes-since"]))
    if filters.get("changes-before"):
        stmt = stmt.where(model.updated_at <= _utc(filters["changes-before"]))
    return stmt


@_reader
def actions_get(
    context,
    instance_uuid: str,
    limit: int | None = None,
    marker: str | None = None,
    filters: dict | None = None,
) -> list[models.InstanceAction]:
    """An instance's actions, newest first; ``marker`` is a request id."""
    A = models.InstanceAction
    stmt = _changed_between(
        select(A).where(A.instance_uuid == instance_uuid, A.deleted == 0), A, filters or {}
    )
    marker_row = None
    if marker is not None:
        marker_row = _action_get_by_request_id(context, instance_uuid, marker)
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    return _paginate(context, stmt, [(A.created_at, True), (A.id, True)], limit, marker_row)


@_reader
def action_get_by_request_id(
    context, instance_uuid: str, request_id: str
) -> models.InstanceAction | None:
    return _action_get_by_request_id(context, instance_uuid, request_id)


@_writer
def action_event_start(context, values: dict) -> models.InstanceActionEvent:
    action = _action_get_by_request_id(
        context, values.pop("instance_uuid"), values.pop("request_id")
    )
    if action is None:
        raise exception.NotFound(message=f"Action for request {context.request_id} not found")
    row = models.InstanceActionEvent(action_id=action.id, **values)
    _session(context).add(row)
    action.updated_at = values.get("start_time") or timeutils.utcnow()
    _session(context).flush()
    return row


@_writer
def action_event_finish(context, values: dict) -> models.InstanceActionEvent | None:
    action = _action_get_by_request_id(
        context, values.pop("instance_uuid"), values.pop("request_id")
    )
    if action is None:
        return None
    E = models.InstanceActionEvent
    row = (
        _session(context)
        .scalars(
            select(E)
            .where(E.action_id == action.id, E.event == values["event"])
            .order_by(E.id.desc())
        )
        .first()
    )
    if row is None:
        row = E(action_id=action.id, event=values["event"])
        _session(context).add(row)
    for key, value in values.items():
        setattr(row, key, value)
    if values.get("result", "").lower() == "error":
        action.message = "Error"
    action.updated_at = timeutils.utcnow()
    _session(context).flush()
    return row


@_reader
def action_events_get(context, action_id: int) -> list[models.InstanceActionEvent]:
    E = models.InstanceActionEvent
    return list(
        _session(context).scalars(
            select(E)
            .where(E.action_id == action_id, E.deleted == 0)
            .order_by(E.start_time.desc(), E.id.desc())
        )
    )


# -- key pairs ----------------------------------------------------------------


def _key_pair_query(user_id: str):
    K = models.KeyPair
    return select(K).where(K.user_id == user_id, K.deleted == 0)


@_writer
def key_pair_create(context, values: dict) -> models.KeyPair:
    """Insert a key pair; KeyPairExists when the user already has one of that name."""
    session = _session(context)
    K = models.KeyPair
    if session.scalars(_key_pair_query(values["user_id"]).where(K.name == values["name"])).first():
        raise exception.KeyPairExists(key_name=values["name"])
    row = K(**values)
    try:
        session.add(row)
        session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.KeyPairExists(key_name=values["name"]) from None
    return row


@_reader
def key_pair_get(context, user_id: str, name: str) -> models.KeyPair:
    row = (
        _session(context)
        .scalars(_key_pair_query(user_id).where(models.KeyPair.name == name))
        .first()
    )
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


@_reader
def key_pair_get_all_by_user(
    context, user_id: str, limit: int | None = None, marker: str | None = None
) -> list[models.KeyPair]:
    """The user's key pairs by name; ``marker`` (a name) starts after that key pair."""
    K = models.KeyPair
    marker_row = None
    if marker is not None:
        marker_row = _session(context).scalars(_key_pair_query(user_id).where(K.name == marker))
        marker_row = marker_row.first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    return _paginate(
        context, _key_pair_query(user_id), [(K.name, False), (K.id, False)], limit, marker_row
    )


@_writer
def key_pair_destroy(context, user_id: str, name: str) -> None:
    K = models.KeyPair
    if not _soft_delete(context, K, K.user_id == user_id, K.name == name):
        raise exception.KeypairNotFound(user_id=user_id, name=name)


# -- request specs ------------------------------------------------------------


@_writer
def request_spec_save(context, instance_uuid: str, spec: str) -> None:
    session = _session(context)
    row = session.scalars(
        select(models.RequestSpec).where(models.RequestSpec.instance_uuid == instance_uuid)
    ).first()
    if row is None:
        session.add(models.RequestSpec(instance_uuid=instance_uuid, spec=spec))
    else:
        row.spec = spec


@_reader
def request_spec_get(context, instance_uuid: str) -> str:
    row = (
        _session(context)
        .scalars(
            select(models.RequestSpec).where(models.RequestSpec.instance_uuid == instance_uuid)
        )
        .first()
    )
    if row is None:
        raise exception.NotFound(message=f"RequestSpec for {instance_uuid} not found.")
    return row.spec


@_reader
def request_spec_get_all(context, instance_uuids: list[str]) -> list[str]:
    """The stored specs of those of the instances that have one."""
    if not instance_uuids:
        return []
    stmt = select(models.RequestSpec.spec).where(
        models.RequestSpec.instance_uuid.in_(instance_uuids)
    )
    return list(_session(context).scalars(stmt))


# -- migrations (cold migration and resize records) ----------------------------


@_writer
def migration_create(context, values: dict) -> models.Migration:
    values = dict(values)
    values.setdefault("uuid", uuidutils.generate_uuid())
    row = models.Migration(**values)
    _session(context).add(row)
    _session(context).flush()
    return row


@_reader
def migration_get(context, migration_id: int | str) -> models.Migration:
    M = models.Migration
    col = M.uuid if uuidutils.is_uuid_like(migration_id) else M.id
    row = (
        _session(context)
        .scalars(select(M).where(col == migration_id, _not_deleted(context, M)))
        .first()
    )
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return row


@_writer
def migration_update(context, migration_id: int, values: dict) -> models.Migration:
    row = migration_get(context, migration_id)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = timeutils.utcnow()
    _session(context).flush()
    return row


_MIGRATION_FILTERS = (
    "uuid",
    "status",
    "instance_uuid",
    "source_compute",
    "dest_compute",
    "migration_type",
    "hidden",
    "user_id",
    "project_id",
)


@_reader
def migration_get_all_by_filters(
    context, filters: dict, limit: int | None = None, marker: str | None = None
) -> list[models.Migration]:
    """Migrations matching ``filters``, newest first; ``marker`` is a migration uuid.

    Exact keys (a list matches any of its values), ``host`` (source or
    destination), ``older_than`` (seconds since the last change) and
    ``changes-since``/``changes-before`` (datetimes, on ``updated_at``).
    """
    M = models.Migration
    stmt = select(M).where(_not_deleted(context, M))
    for key in _MIGRATION_FILTERS:
        if key in filters:
            value, col = filters[key], getattr(M, key)
            stmt = stmt.where(
                col.in_(value) if isinstance(value, (list, tuple, set)) else col == value
            )
    if "host" in filters:
        host = filters["host"]
        stmt = stmt.where(or_(M.source_compute == host, M.dest_compute == host))
    if "older_than" in filters:
        before = timeutils.utcnow() - datetime.timedelta(seconds=int(filters["older_than"]))
        stmt = stmt.where(func.coalesce(M.updated_at, M.created_at) <= before)
    stmt = _changed_between(stmt, M, filters)
    marker_row = None
    if marker is not None:
        marker_row = _session(context).scalars(select(M).where(M.uuid == marker)).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    return _paginate(context, stmt, [(M.created_at, True), (M.id, True)], limit, marker_row)


@_reader
def migration_get_by_instance_and_status(
    context, instance_uuid: str, status: str
) -> models.Migration:
    rows = migration_get_all_by_filters(context, {"instance_uuid": instance_uuid, "status": status})
    if not rows:
        raise exception.MigrationNotFoundByStatus(instance_id=instance_uuid, status=status)
    return rows[0]


# -- quotas: stored limits, and usage counted from the resources' own tables ----


def _limits_of(context, model, *criteria) -> dict[str, int]:
    rows = _session(context).execute(
        select(model.resource, model.hard_limit).where(model.deleted == 0, *criteria)
    )
    return {resource: limit for resource, limit in rows}


@_reader
def quota_get_limits(
    context, project_id: str, user_id: str | None = None, class_name: str = "default"
) -> dict[str, dict[str, int]]:
    """The stored limits behind a project's (and user's) quotas, by resource:
    ``{"class": ..., "project": ..., "user": ...}`` (``user`` empty without user_id),
    read in one statement."""
    Q, U, C = models.Quota, models.ProjectUserQuota, models.QuotaClass
    layers = [
        select(sqlalchemy.literal("class"), C.resource, C.hard_limit).where(
            C.deleted == 0, C.class_name == class_name
        ),
        select(sqlalchemy.literal("project"), Q.resource, Q.hard_limit).where(
            Q.deleted == 0, Q.project_id == project_id
        ),
    ]
    if user_id is not None:
        layers.append(
            select(sqlalchemy.literal("user"), U.resource, U.hard_limit).where(
                U.deleted == 0, U.project_id == project_id, U.user_id == user_id
            )
        )
    stored: dict[str, dict[str, int]] = {"class": {}, "project": {}, "user": {}}
    for layer, resource, limit in _session(context).execute(sqlalchemy.union_all(*layers)):
        stored[layer][resource] = limit
    return stored


@_reader
def quota_class_get_all_by_name(context, class_name: str) -> dict[str, int]:
    return _limits_of(context, models.QuotaClass, models.QuotaClass.class_name == class_name)


@_reader
def quota_get_user_totals(context, project_id: str) -> dict[str, int]:
    """The sum of the per-user limits set in a project, by resource."""
    U = models.ProjectUserQuota
    rows = _session(context).execute(
        select(U.resource, func.sum(U.hard_limit))
        .where(U.deleted == 0, U.project_id == project_id)
        .group_by(U.resource)
    )
    return {resource: int(total) for resource, total in rows}


def _set_limits(context, model, owner: dict, limits: dict[str, int]) -> None:
    """Update the owner's row of each resource, or insert one."""
    session = _session(context)
    criteria = [getattr(model, key) == value for key, value in owner.items()]
    for resource, limit in limits.items():
        result = session.execute(
            update(model)
            .where(model.deleted == 0, model.resource == resource, *criteria)
            .values(hard_limit=limit, updated_at=timeutils.utcnow())
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            session.add(model(resource=resource, hard_limit=limit, **owner))
    session.flush()


@_writer
def quota_set_limits(
    context,
    project_id: str,
    limits: dict[str, int],
    user_id: str | None = None,
    per_project: tuple = (),
) -> None:
    """Set a project's limits, or a user's in it; resources in ``per_project``
    are always the project's (Nova's nova-network quotas)."""
    user_limits = {k: v for k, v in limits.items() if user_id and k not in per_project}
    project_limits = {k: v for k, v in limits.items() if k not in user_limits}
    _set_limits(context, models.Quota, {"project_id": project_id}, project_limits)
    owner = {"project_id": project_id, "user_id": user_id}
    _set_limits(context, models.ProjectUserQuota, owner, user_limits)


@_writer
def quota_class_set_limits(context, class_name: str, limits: dict[str, int]) -> None:
    _set_limits(context, models.QuotaClass, {"class_name": class_name}, limits)


@_writer
def quota_destroy_all(context, project_id: str, user_id: str | None = None) -> None:
    """Forget a project's limits and its users' (only that user's, with user_id)."""
    Q, U = models.Quota, models.ProjectUserQuota
    if user_id is not None:
        _soft_delete(context, U, U.project_id == project_id, U.user_id == user_id)
        return
    _soft_delete(context, Q, Q.project_id == project_id)
    _soft_delete(context, U, U.project_id == project_id)


@_reader
def quota_count_instances(
    context, project_id: str, user_id: str | None = None
) -> dict[str, dict[str, int]]:
    """Instances, cores and RAM in use by the project (and the user): live
    instances, soft-deleted ones (vm_state) excepted, as Nova counts them."""
    inst = models.Instance
    stmt = select(func.count(inst.id), func.sum(inst.vcpus), func.sum(inst.memory_mb)).where(
        inst.deleted == 0,
        inst.project_id == project_id,
        or_(inst.vm_state != vm_states.SOFT_DELETED, inst.vm_state.is_(None)),
    )
    scopes = {"project": stmt}
    if user_id is not None:
        scopes["user"] = stmt.where(inst.user_id == user_id)
    counts = {}
    for scope, query in scopes.items():
        row = _session(context).execute(query).one()
        counts[scope] = {
            name: int(value or 0)
            for name, value in zip(("instances", "cores", "ram"), row, strict=True)
        }
    return counts


@_reader
def key_pair_count_by_user(context, user_id: str) -> int:
    K = models.KeyPair
    stmt = select(func.count(K.id)).where(K.deleted == 0, K.user_id == user_id)
    return _session(context).execute(stmt).scalar()


@_reader
def instance_group_count(
    context, project_id: str, user_id: str | None = None
) -> dict[str, dict[str, int]]:
    """Server groups of the project (and of the user in it)."""
    G = models.InstanceGroup
    stmt = select(func.count(G.id)).where(G.deleted == 0, G.project_id == project_id)
    counts = {"project": {"server_groups": _session(context).execute(stmt).scalar()}}
    if user_id is not None:
        user_stmt = stmt.where(G.user_id == user_id)
        counts["user"] = {"server_groups": _session(context).execute(user_stmt).scalar()}
    return counts


@_reader
def instance_group_member_count_by_user(context, group_uuid: str, user_id: str) -> int:
    """Live instances of ``user_id`` that are members of the group."""
    G, M, inst = models.InstanceGroup, models.InstanceGroupMember, models.Instance
    stmt = (
        select(func.count(func.distinct(M.instance_uuid)))
        .select_from(M)
        .join(G, G.id == M.group_id)
        .join(inst, inst.uuid == M.instance_uuid)
        .where(
            G.uuid == group_uuid,
            G.deleted == 0,
            M.deleted == 0,
            inst.deleted == 0,
            inst.user_id == user_id,
        )
    )
    return _session(context).execute(stmt).scalar()


# -- host aggregates -------------------------------------------------------------


def _aggregate_get(context, aggregate_id: int | str) -> models.Aggregate:
    """The aggregate by id or uuid, with its hosts and metadata loaded afresh."""
    Agg = models.Aggregate
    col = Agg.uuid if uuidutils.is_uuid_like(aggregate_id) else Agg.id
    row = (
        _session(context)
        .scalars(
            select(Agg)
            .where(col == aggregate_id, Agg.deleted == 0)
            .execution_options(populate_existing=True)
        )
        .first()
    )
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _check_aggregate_name(context, name: str, aggregate_id: int | None = None) -> None:
    Agg = models.Aggregate
    stmt = select(Agg.id).where(Agg.name == name, Agg.deleted == 0)
    if aggregate_id is not None:
        stmt = stmt.where(Agg.id != aggregate_id)
    if _session(context).scalars(stmt).first() is not None:
        raise exception.AggregateNameExists(aggregate_name=name)


def _set_aggregate_metadata(context, aggregate_id: int, metadata: dict) -> None:
    """Set the given keys; a None value deletes its key."""
    M = models.AggregateMetadata
    if not metadata:
        return
    _soft_delete(context, M, M.aggregate_id == aggregate_id, M.key.in_(list(metadata)))
    for key, value in metadata.items():
        if value is not None:
            _session(context).add(M(aggregate_id=aggregate_id, key=key, value=value))
    _session(context).flush()


@_writer
def aggregate_create(context, values: dict, metadata: dict | None = None) -> models.Aggregate:
    """Insert an aggregate; AggregateNameExists when the name is taken."""
    values = dict(values)
    _check_aggregate_name(context, values["name"])
    row = models.Aggregate(uuid=values.pop("uuid", None) or uuidutils.generate_uuid(), **values)
    _session(context).add(row)
    _session(context).flush()
    _set_aggregate_metadata(context, row.id, metadata or {})
    return _aggregate_get(context, row.id)


@_reader
def aggregate_get(context, aggregate_id: int | str) -> models.Aggregate:
    return _aggregate_get(context, aggregate_id)


@_reader
def aggregate_get_all(
    context, hosts: list[str] | None = None, key: str | None = None
) -> list[models.Aggregate]:
    """Aggregates, optionally only those holding one of ``hosts`` and having
    metadata ``key``."""
    Agg, H, M = models.Aggregate, models.AggregateHost, models.AggregateMetadata
    stmt = select(Agg).where(Agg.deleted == 0)
    if hosts is not None:
        stmt = stmt.where(Agg.host_rows.any(H.host.in_(hosts)))
    if key is not None:
        stmt = stmt.where(Agg.metadata_rows.any(M.key == key))
    return list(_session(context).scalars(stmt.order_by(Agg.id)))


@_writer
def aggregate_update(context, aggregate_id: int, values: dict) -> models.Aggregate:
    """Rename the aggregate (``name``); AggregateNameExists when taken."""
    row = _aggregate_get(context, aggregate_id)
    if "name" in values:
        _check_aggregate_name(context, values["name"], row.id)
        row.name = values["name"]
    row.updated_at = timeutils.utcnow()
    _session(context).flush()
    return _aggregate_get(context, aggregate_id)


@_writer
def aggregate_metadata_update(context, aggregate_id: int, metadata: dict) -> models.Aggregate:
    """Set metadata keys; keys whose value is None are deleted."""
    row = _aggregate_get(context, aggregate_id)
    _set_aggregate_metadata(context, row.id, metadata)
    row.updated_at = timeutils.utcnow()
    _session(context).flush()
    return _aggregate_get(context, aggregate_id)


@_writer
def aggregate_host_add(context, aggregate_id: int, host: str) -> models.Aggregate:
    row = _aggregate_get(context, aggregate_id)
    H = models.AggregateHost
    if any(h.host == host for h in row.host_rows):
        raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host)
    try:
        _session(context).add(H(aggregate_id=row.id, host=host))
        _session(context).flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host) from None
    return _aggregate_get(context, aggregate_id)


@_writer
def aggregate_host_delete(context, aggregate_id: int, host: str) -> models.Aggregate:
    row = _aggregate_get(context, aggregate_id)
    H = models.AggregateHost
    if not _soft_delete(context, H, H.aggregate_id == row.id, H.host == host):
        raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
    return _aggregate_get(context, aggregate_id)


@_writer
def aggregate_destroy(context, aggregate_id: int) -> None:
    """Delete the aggregate and its metadata (its hosts must be removed first)."""
    row = _aggregate_get(context, aggregate_id)
    M = models.AggregateMetadata
    _soft_delete(context, M, M.aggregate_id == row.id)
    _soft_delete(context, models.Aggregate, models.Aggregate.id == row.id)


# -- server groups (instance groups) -------------------------------------------------


def _instance_group_get(context, group_uuid: str) -> models.InstanceGroup:
    G = models.InstanceGroup
    row = (
        _session(context)
        .scalars(
            select(G)
            .where(G.uuid == group_uuid, G.deleted == 0)
            .execution_options(populate_existing=True)
        )
        .first()
    )
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return row


@_writer
def instance_group_create(context, values: dict) -> models.InstanceGroup:
    values = dict(values)
    row = models.InstanceGroup(uuid=values.pop("uuid", None) or uuidutils.generate_uuid(), **values)
    _session(context).add(row)
    _session(context).flush()
    return _instance_group_get(context, row.uuid)


@_reader
def instance_group_get(context, group_uuid: str) -> models.InstanceGroup:
    return _instance_group_get(context, group_uuid)


@_reader
def instance_group_get_by_instance(context, instance_uuid: str) -> models.InstanceGroup:
    """The server group that ``instance_uuid`` is a member of."""
    G, M = models.InstanceGroup, models.InstanceGroupMember
    row = (
        _session(context)
        .scalars(
            select(G)
            .join(M, and_(M.group_id == G.id, M.deleted == 0))
            .where(M.instance_uuid == instance_uuid, G.deleted == 0)
        )
        .first()
    )
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid="")
    return row


@_reader
def instance_group_get_all(context, project_id: str | None = None) -> list[models.InstanceGroup]:
    G = models.InstanceGroup
    stmt = select(G).where(G.deleted == 0)
    if project_id is not None:
        stmt = stmt.where(G.project_id == project_id)
    return list(_session(context).scalars(stmt.order_by(G.id)))


@_writer
def instance_group_destroy(context, group_uuid: str) -> None:
    row = _instance_group_get(context, group_uuid)
    M = models.InstanceGroupMember
    _soft_delete(context, M, M.group_id == row.id)
    _soft_delete(context, models.InstanceGroup, models.InstanceGroup.id == row.id)


@_writer
def instance_group_members_add(context, group_uuid: str, instance_uuids: list[str]) -> list[str]:
    """Make the instances members of the group; the uuids that were not yet members."""
    row = _instance_group_get(context, group_uuid)
    current = {m.instance_uuid for m in row.member_rows}
    added = [u for u in dict.fromkeys(instance_uuids) if u not in current]
    for uuid in added:
        _session(context).add(models.InstanceGroupMember(group_id=row.id, instance_uuid=uuid))
    _session(context).flush()
    return added


@_reader
def instance_group_hosts(context, group_uuid: str) -> list[str]:
    """The hosts of the group's members: where they run or hold a claim (an
    instance being built has a claim before it has a host)."""
    row = _instance_group_get(context, group_uuid)
    members = [m.instance_uuid for m in row.member_rows]
    if not members:
        return []
    inst, A, N = models.Instance, models.Allocation, models.ComputeNode
    session = _session(context)
    placed = session.scalars(
        select(inst.host).where(inst.uuid.in_(members), inst.deleted == 0, inst.host.is_not(None))
    )
    claimed = session.scalars(
        select(N.host)
        .join(A, A.compute_node_uuid == N.uuid)
        .where(A.consumer_uuid.in_(members), N.deleted == 0)
    )
    return sorted(set(placed) | set(claimed))


def ping(context) -> Any:
    """Open a connection and run a trivial query (start-up check)."""
    with _main.reader.using(context) as session:
        return session.execute(select(1)).scalar()
