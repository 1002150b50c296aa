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
from sqlalchemy import and_, func, or_, select, update

from nova_lite import context as nova_context
from nova_lite import exception
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
    if not _soft_delete(context, models.Service, models.Service.id == service_id):
        raise exception.ServiceNotFound(service_id=service_id)


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
def compute_node_get_all(context, host: str | None = None) -> list[models.ComputeNode]:
    stmt = select(models.ComputeNode).where(models.ComputeNode.deleted == 0)
    if host is not None:
        stmt = stmt.where(models.ComputeNode.host == host)
    return list(_session(context).scalars(stmt.order_by(models.ComputeNode.id)))


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
def allocation_move(context, source_consumer: str, target_consumer: str) -> bool:
    """Give ``source_consumer``'s allocation to ``target_consumer`` in one step.

    Whatever the target held before is dropped, so afterwards the target holds
    exactly what the source held (possibly nothing: then False is returned).
    Moves use it to park an instance's allocation on its migration and back.
    """
    A = models.Allocation
    session = _session(context)
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
) -> list[models.Flavor]:
    F = models.Flavor
    stmt = select(F)
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
            raise exception.InvalidRequest(reason=f"Marker {marker} could not be found.")
        rows = rows[ids.index(marker) + 1 :]
    return rows[:limit] if limit is not None else rows


@_writer
def flavor_destroy(context, flavorid: str) -> None:
    row = (
        _session(context)
        .scalars(select(models.Flavor).where(models.Flavor.flavorid == str(flavorid)))
        .first()
    )
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    _session(context).delete(row)


# -- instances ----------------------------------------------------------------

_INSTANCE_EXTRA = ("metadata", "system_metadata")


def _set_instance_dicts(
    context, uuid: str, metadata: dict | None, system_metadata: dict | None
) -> None:
    session = _session(context)
    for model, items in (
        (models.InstanceMetadata, metadata),
        (models.InstanceSystemMetadata, system_metadata),
    ):
        if items is None:
            continue
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


@_writer
def instance_create(context, values: dict, action: str | None = None) -> models.Instance:
    """Insert an instance (and its first action, when given)."""
    values = dict(values)
    extras = {k: values.pop(k, None) for k in _INSTANCE_EXTRA}
    values.setdefault("uuid", uuidutils.generate_uuid())
    row = models.Instance(**values)
    session = _session(context)
    session.add(row)
    _set_instance_dicts(
        context, row.uuid, extras["metadata"] or {}, extras["system_metadata"] or {}
    )
    _record_action(context, row.uuid, action)
    session.flush()
    session.refresh(row)
    return row


@_reader
def instance_get_by_uuid(context, uuid: str) -> models.Instance:
    row = (
        _session(context)
        .scalars(
            select(models.Instance).where(
                models.Instance.uuid == uuid, _not_deleted(context, models.Instance)
            )
        )
        .unique()
        .first()
    )
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


_EXACT_FILTERS = (
    "project_id",
    "user_id",
    "host",
    "node",
    "vm_state",
    "task_state",
    "image_ref",
    "instance_type_id",
    "reservation_id",
    "uuid",
    "locked",
)


@_reader
def instance_get_all_by_filters(
    context,
    filters: dict,
    sort_keys: list[str] | None = None,
    sort_dirs: list[str] | None = None,
    limit: int | None = None,
    marker: str | None = None,
) -> list[models.Instance]:
    """Instances matching ``filters``: exact keys, lists (IN), ``name`` regex,
    ``changes-since`` and ``deleted``."""
    inst = models.Instance
    filters = dict(filters)
    deleted = filters.pop("deleted", None)
    stmt = select(inst)
    if deleted is None:
        stmt = stmt.where(_not_deleted(context, inst))
    elif deleted:
        stmt = stmt.where(inst.deleted != 0)
    else:
        stmt = stmt.where(inst.deleted == 0)
    for key in _EXACT_FILTERS:
        if key not in filters:
            continue
        value = filters[key]
        col = getattr(inst, key)
        stmt = stmt.where(col.in_(value) if isinstance(value, (list, tuple, set)) else col == value)
    if "changes-since" in filters:
        since = timeutils.normalize_time(filters["changes-since"])
        stmt = stmt.where(inst.updated_at >= since)
    rows = list(_session(context).scalars(stmt).unique())
    if "name" in filters:
        pattern = re.compile(filters["name"])
        rows = [r for r in rows if r.display_name and pattern.search(r.display_name)]
    sort_keys = sort_keys or ["created_at", "id"]
    sort_dirs = sort_dirs or ["desc"] * len(sort_keys)
    for key in sort_keys:
        if key not in models.Instance.__table__.columns:
            raise exception.InvalidRequest(reason=f"Invalid sort_key {key}")
    for key, direction in reversed(list(zip(sort_keys, sort_dirs, strict=False))):
        rows.sort(key=lambda r, k=key: _nulls_first(getattr(r, k)), reverse=direction == "desc")
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
    for model in (models.InstanceMetadata, models.InstanceSystemMetadata):
        _soft_delete(context, model, model.instance_uuid == uuid)
    _session(context).execute(
        models.Allocation.__table__.delete().where(models.Allocation.consumer_uuid == uuid)
    )
    _session(context).refresh(row)
    return row


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


@_reader
def actions_get(context, instance_uuid: str) -> list[models.InstanceAction]:
    A = models.InstanceAction
    return list(
        _session(context).scalars(
            select(A)
            .where(A.instance_uuid == instance_uuid, A.deleted == 0)
            .order_by(A.start_time.desc(), A.id.desc())
        )
    )


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
def key_pair_get_all_by_user(context, user_id: str) -> list[models.KeyPair]:
    K = models.KeyPair
    return list(_session(context).scalars(_key_pair_query(user_id).order_by(K.name, K.id)))


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
)


@_reader
def migration_get_all_by_filters(context, filters: dict) -> list[models.Migration]:
    """Migrations matching ``filters``, newest first.

    Exact keys (a list matches any of its values), ``host`` (source or
    destination) and ``older_than`` (seconds since the last change).
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
    return list(_session(context).scalars(stmt.order_by(M.created_at.desc(), M.id.desc())))


@_reader
def migration_get_by_instance_and_status(
    context, instance_uuid: str, status: str
) -> models.Migration:
    rows = migration_get_all_by_filters(context, {"instance_uuid": instance_uuid, "status": status})
    if not rows:
        raise exception.MigrationNotFoundByStatus(instance_id=instance_uuid, status=status)
    return rows[0]


def ping(context) -> Any:
    """Open a connection and run a trivial query (start-up check)."""
    with _main.reader.using(context) as session:
        return session.execute(select(1)).scalar()
