"""SQLAlchemy models. Rows are soft-deleted (``deleted`` = id) as in Nova."""

from __future__ import annotations

from oslo_utils import timeutils
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Unicode,
    UniqueConstraint,
    orm,
)

BASE = orm.declarative_base()


def _now():
    return timeutils.utcnow()


class TimestampMixin:
    created_at = Column(DateTime, default=_now)
    updated_at = Column(DateTime, onupdate=_now)


class SoftDeleteMixin(TimestampMixin):
    deleted_at = Column(DateTime)
    deleted = Column(Integer, default=0, nullable=False)


class Service(BASE, SoftDeleteMixin):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
    )
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    host = Column(String(255), nullable=False)
    binary = Column(String(255), nullable=False)
    topic = Column(String(255))
    report_count = Column(Integer, nullable=False, default=0)
    disabled = Column(Boolean, nullable=False, default=False)
    disabled_reason = Column(String(255))
    last_seen_up = Column(DateTime)
    forced_down = Column(Boolean, nullable=False, default=False)
    version = Column(Integer, nullable=False, default=0)


class ComputeNode(BASE, SoftDeleteMixin):
    __tablename__ = "compute_nodes"
    __table_args__ = (
        UniqueConstraint(
            "host",
            "hypervisor_hostname",
            "deleted",
            name="uniq_compute_nodes0host0hypervisor_hostname0deleted",
        ),
    )
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    service_id = Column(Integer)
    host = Column(String(255), nullable=False)
    hypervisor_hostname = Column(String(255), nullable=False)
    hypervisor_type = Column(String(255), nullable=False)
    hypervisor_version = Column(Integer, nullable=False, default=0)
    host_ip = Column(String(39))
    cpu_info = Column(Text, nullable=False, default="{}")
    vcpus = Column(Integer, nullable=False)
    memory_mb = Column(Integer, nullable=False)
    local_gb = Column(Integer, nullable=False)
    vcpus_used = Column(Integer, nullable=False, default=0)
    memory_mb_used = Column(Integer, nullable=False, default=0)
    local_gb_used = Column(Integer, nullable=False, default=0)
    free_ram_mb = Column(Integer)
    free_disk_gb = Column(Integer)
    running_vms = Column(Integer, nullable=False, default=0)
    current_workload = Column(Integer, nullable=False, default=0)
    cpu_allocation_ratio = Column(Float, nullable=False, default=1.0)
    ram_allocation_ratio = Column(Float, nullable=False, default=1.0)
    disk_allocation_ratio = Column(Float, nullable=False, default=1.0)
    reserved_host_memory_mb = Column(Integer, nullable=False, default=0)
    reserved_host_disk_mb = Column(Integer, nullable=False, default=0)


class Allocation(BASE):
    """Resources the scheduler claimed on a compute node for one instance."""

    __tablename__ = "allocations"
    __table_args__ = (Index("allocations_compute_node_uuid_idx", "compute_node_uuid"),)
    id = Column(Integer, primary_key=True)
    consumer_uuid = Column(String(36), nullable=False, unique=True)
    compute_node_uuid = Column(String(36), nullable=False)
    vcpus = Column(Integer, nullable=False)
    memory_mb = Column(Integer, nullable=False)
    disk_gb = Column(Integer, nullable=False)
    created_at = Column(DateTime, default=_now)


class Flavor(BASE, TimestampMixin):
    __tablename__ = "flavors"
    id = Column(Integer, primary_key=True)
    flavorid = Column(String(255), nullable=False, unique=True)
    name = Column(String(255), nullable=False, unique=True)
    memory_mb = Column(Integer, nullable=False)
    vcpus = Column(Integer, nullable=False)
    root_gb = Column(Integer, nullable=False, default=0)
    ephemeral_gb = Column(Integer, nullable=False, default=0)
    swap = Column(Integer, nullable=False, default=0)
    rxtx_factor = Column(Float, nullable=False, default=1.0)
    vcpu_weight = Column(Integer)
    disabled = Column(Boolean, nullable=False, default=False)
    is_public = Column(Boolean, nullable=False, default=True)
    description = Column(Text)
    extra_specs = orm.relationship("FlavorExtraSpec", lazy="selectin", cascade="all, delete-orphan")
    projects = orm.relationship("FlavorProject", lazy="selectin", cascade="all, delete-orphan")


class FlavorExtraSpec(BASE, TimestampMixin):
    __tablename__ = "flavor_extra_specs"
    __table_args__ = (
        UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
    )
    id = Column(Integer, primary_key=True)
    flavor_id = Column(Integer, ForeignKey("flavors.id"), nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255))


class FlavorProject(BASE, TimestampMixin):
    __tablename__ = "flavor_projects"
    __table_args__ = (
        UniqueConstraint(
            "flavor_id", "project_id", name="uniq_flavor_projects0flavor_id0project_id"
        ),
    )
    id = Column(Integer, primary_key=True)
    flavor_id = Column(Integer, ForeignKey("flavors.id"), nullable=False)
    project_id = Column(String(255), nullable=False)


class Instance(BASE, SoftDeleteMixin):
    __tablename__ = "instances"
    __table_args__ = (
        Index("instances_host_deleted_idx", "host", "deleted"),
        Index("instances_project_id_deleted_idx", "project_id", "deleted"),
        Index("instances_task_state_updated_at_idx", "task_state", "updated_at"),
    )
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    user_id = Column(String(255))
    project_id = Column(String(255))
    display_name = Column(String(255))
    display_description = Column(Text)
    hostname = Column(String(255))
    host = Column(String(255))
    node = Column(String(255))
    launched_on = Column(String(255))
    image_ref = Column(String(255))
    flavor = Column(Text)
    # Both flavors of a resize or cold migration until it is confirmed or
    # reverted (Nova keeps them in instance_extra).
    old_flavor = Column(Text)
    new_flavor = Column(Text)
    instance_type_id = Column(Integer)
    memory_mb = Column(Integer)
    vcpus = Column(Integer)
    root_gb = Column(Integer)
    ephemeral_gb = Column(Integer)
    vm_state = Column(String(255))
    task_state = Column(String(255))
    power_state = Column(Integer)
    launched_at = Column(DateTime)
    terminated_at = Column(DateTime)
    availability_zone = Column(String(255))
    key_name = Column(String(255))
    key_data = Column(Text)
    user_data = Column(Text)
    reservation_id = Column(String(255))
    launch_index = Column(Integer)
    locked = Column(Boolean, nullable=False, default=False)
    locked_by = Column(String(255))
    config_drive = Column(String(255))
    access_ip_v4 = Column(String(39))
    access_ip_v6 = Column(String(39))
    progress = Column(Integer)
    kernel_id = Column(String(255))
    ramdisk_id = Column(String(255))
    root_device_name = Column(String(255))
    metadata_items = orm.relationship(
        "InstanceMetadata",
        lazy="joined",
        primaryjoin="and_(Instance.uuid == InstanceMetadata.instance_uuid,"
        " InstanceMetadata.deleted == 0)",
        foreign_keys="InstanceMetadata.instance_uuid",
        viewonly=True,
    )
    system_metadata_items = orm.relationship(
        "InstanceSystemMetadata",
        lazy="joined",
        primaryjoin="and_(Instance.uuid == InstanceSystemMetadata.instance_uuid,"
        " InstanceSystemMetadata.deleted == 0)",
        foreign_keys="InstanceSystemMetadata.instance_uuid",
        viewonly=True,
    )
    # Loaded only where a query asks for it (the API's views of 2.26 and later).
    tag_rows = orm.relationship(
        "Tag",
        lazy="raise",
        primaryjoin="Instance.uuid == Tag.resource_id",
        foreign_keys="Tag.resource_id",
        order_by="Tag.tag",
        viewonly=True,
    )


class Tag(BASE):
    """A server tag (2.26); rows go with their instance when it is deleted."""

    __tablename__ = "tags"
    __table_args__ = (Index("tags_tag_idx", "tag"),)
    resource_id = Column(String(36), primary_key=True, nullable=False)
    tag = Column(Unicode(80), primary_key=True, nullable=False)


class InstanceMetadata(BASE, SoftDeleteMixin):
    __tablename__ = "instance_metadata"
    __table_args__ = (Index("instance_metadata_instance_uuid_idx", "instance_uuid"),)
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255))


class InstanceSystemMetadata(BASE, SoftDeleteMixin):
    __tablename__ = "instance_system_metadata"
    __table_args__ = (Index("instance_system_metadata_instance_uuid_idx", "instance_uuid"),)
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(Text)


class InstanceFault(BASE, SoftDeleteMixin):
    __tablename__ = "instance_faults"
    __table_args__ = (Index("instance_faults_instance_uuid_idx", "instance_uuid"),)
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), nullable=False)
    code = Column(Integer, nullable=False)
    message = Column(String(255))
    details = Column(Text)
    host = Column(String(255))


class InstanceAction(BASE, SoftDeleteMixin):
    __tablename__ = "instance_actions"
    __table_args__ = (
        Index("instance_actions_instance_uuid_idx", "instance_uuid"),
        Index("instance_actions_request_id_idx", "request_id"),
    )
    id = Column(Integer, primary_key=True)
    action = Column(String(255))
    instance_uuid = Column(String(36), nullable=False)
    request_id = Column(String(255))
    user_id = Column(String(255))
    project_id = Column(String(255))
    start_time = Column(DateTime, default=_now)
    finish_time = Column(DateTime)
    message = Column(String(255))


class InstanceActionEvent(BASE, SoftDeleteMixin):
    __tablename__ = "instance_actions_events"
    id = Column(Integer, primary_key=True)
    event = Column(String(255))
    action_id = Column(Integer, ForeignKey("instance_actions.id"), nullable=False)
    start_time = Column(DateTime, default=_now)
    finish_time = Column(DateTime)
    result = Column(String(255))
    traceback = Column(Text)
    host = Column(String(255))
    details = Column(Text)


class RequestSpec(BASE, TimestampMixin):
    __tablename__ = "request_specs"
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), nullable=False, unique=True)
    spec = Column(Text, nullable=False)


class KeyPair(BASE, SoftDeleteMixin):
    __tablename__ = "key_pairs"
    __table_args__ = (
        UniqueConstraint("user_id", "name", "deleted", name="uniq_key_pairs0user_id0name0deleted"),
    )
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    fingerprint = Column(String(255))
    public_key = Column(Text)
    type = Column(String(10), nullable=False, default="ssh")


class Migration(BASE, SoftDeleteMixin):
    __tablename__ = "migrations"
    __table_args__ = (Index("migrations_instance_uuid_idx", "instance_uuid"),)
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    source_compute = Column(String(255))
    dest_compute = Column(String(255))
    source_node = Column(String(255))
    dest_node = Column(String(255))
    dest_host = Column(String(255))
    old_instance_type_id = Column(Integer)
    new_instance_type_id = Column(Integer)
    instance_uuid = Column(String(36))
    status = Column(String(255))
    migration_type = Column(String(32))
    hidden = Column(Boolean, default=False)
    user_id = Column(String(255))
    project_id = Column(String(255))


class Aggregate(BASE, SoftDeleteMixin):
    __tablename__ = "aggregates"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    name = Column(String(255), nullable=False)
    host_rows = orm.relationship(
        "AggregateHost",
        lazy="selectin",
        primaryjoin="and_(Aggregate.id == AggregateHost.aggregate_id, AggregateHost.deleted == 0)",
        order_by="AggregateHost.id",
        viewonly=True,
    )
    metadata_rows = orm.relationship(
        "AggregateMetadata",
        lazy="selectin",
        primaryjoin="and_(Aggregate.id == AggregateMetadata.aggregate_id,"
        " AggregateMetadata.deleted == 0)",
        viewonly=True,
    )


class AggregateHost(BASE, SoftDeleteMixin):
    __tablename__ = "aggregate_hosts"
    __table_args__ = (
        UniqueConstraint(
            "host", "aggregate_id", "deleted", name="uniq_aggregate_hosts0host0aggregate_id0deleted"
        ),
    )
    id = Column(Integer, primary_key=True)
    host = Column(String(255))
    aggregate_id = Column(Integer, ForeignKey("aggregates.id"), nullable=False)


class AggregateMetadata(BASE, SoftDeleteMixin):
    __tablename__ = "aggregate_metadata"
    __table_args__ = (
        UniqueConstraint(
            "aggregate_id",
            "key",
            "deleted",
            name="uniq_aggregate_metadata0aggregate_id0key0deleted",
        ),
    )
    id = Column(Integer, primary_key=True)
    aggregate_id = Column(Integer, ForeignKey("aggregates.id"), nullable=False)
    key = Column(String(255), nullable=False)
    value = Column(String(255), nullable=False)


class InstanceGroup(BASE, SoftDeleteMixin):
    __tablename__ = "instance_groups"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False, unique=True)
    name = Column(String(255))
    user_id = Column(String(255))
    project_id = Column(String(255))
    policy = Column(String(255))
    rules = Column(Text)
    member_rows = orm.relationship(
        "InstanceGroupMember",
        lazy="selectin",
        primaryjoin="and_(InstanceGroup.id == InstanceGroupMember.group_id,"
        " InstanceGroupMember.deleted == 0)",
        order_by="InstanceGroupMember.id",
        viewonly=True,
    )


class InstanceGroupMember(BASE, SoftDeleteMixin):
    __tablename__ = "instance_group_member"
    __table_args__ = (Index("instance_group_member_instance_idx", "instance_uuid"),)
    id = Column(Integer, primary_key=True)
    group_id = Column(Integer, ForeignKey("instance_groups.id"), nullable=False)
    instance_uuid = Column(String(36), nullable=False)


class Quota(BASE, SoftDeleteMixin):
    """A project's limit of one resource (-1: unlimited); absent rows take the default."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "resource", "deleted", name="uniq_quotas0project_id0resource0deleted"
        ),
    )
    id = Column(Integer, primary_key=True)
    project_id = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer, nullable=False)


class ProjectUserQuota(BASE, SoftDeleteMixin):
    """A user's limit of one resource within a project; absent rows take the project's."""

    __tablename__ = "project_user_quotas"
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "project_id",
            "resource",
            "deleted",
            name="uniq_project_user_quotas0user_id0project_id0resource0deleted",
        ),
        Index("project_user_quotas_project_id_idx", "project_id"),
    )
    id = Column(Integer, primary_key=True)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer, nullable=False)


class QuotaClass(BASE, SoftDeleteMixin):
    """A quota class's limit of one resource; the ``default`` class overrides [quota]."""

    __tablename__ = "quota_classes"
    __table_args__ = (
        UniqueConstraint(
            "class_name",
            "resource",
            "deleted",
            name="uniq_quota_classes0class_name0resource0deleted",
        ),
    )
    id = Column(Integer, primary_key=True)
    class_name = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer, nullable=False)
