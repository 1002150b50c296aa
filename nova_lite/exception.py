"""Domain errors. Each carries the HTTP status the API answers with."""

from __future__ import annotations


class NovaLiteException(Exception):
    """Base error: ``msg_fmt`` formatted with the keyword arguments."""

    msg_fmt = "An unknown exception occurred."
    code = 500

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self) -> str:
        return self.message


class Invalid(NovaLiteException):
    msg_fmt = "Bad request: %(reason)s"
    code = 400


class ValidationError(Invalid):
    msg_fmt = "Invalid input for field/attribute %(field)s. %(reason)s"


class InvalidRequest(Invalid):
    msg_fmt = "%(reason)s"


class Forbidden(NovaLiteException):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."
    code = 403


class NotFound(NovaLiteException):
    msg_fmt = "Resource could not be found."
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class InstanceTagNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s has no tag '%(tag)s'"


class AmbiguousHostnameForMultipleInstances(Invalid):
    msg_fmt = "Unable to allocate a single hostname to multiple instances"


class CannotMigrateToSameHost(Invalid):
    msg_fmt = "Cannot migrate to the host where the server exists."


class FlavorNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s could not be found."


class FlavorAccessNotFound(NotFound):
    msg_fmt = "Flavor access not found for %(flavor_id)s / %(project_id)s combination."


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s has no extra specs with key %(extra_specs_key)s."


class MarkerNotFound(Invalid):
    msg_fmt = "Marker %(marker)s could not be found."


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(service_id)s could not be found."


class ComputeHostNotFound(NotFound):
    msg_fmt = "Compute host %(host)s could not be found."


class ComputeNodeNotFound(NotFound):
    msg_fmt = "Compute node %(node)s could not be found."


class HypervisorNotFound(NotFound):
    msg_fmt = "Hypervisor %(hypervisor_id)s could not be found."


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


# -- the Image service (Glance) and images that do not fit --
class ImageNotActive(Invalid):
    msg_fmt = "Image %(image_id)s is not active."


class ImageNotAuthorized(Invalid):
    msg_fmt = "Not authorized for image %(image_id)s."


class ImageBadRequest(Invalid):
    msg_fmt = "Request of image %(image_id)s got BadRequest response: %(response)s"


class ImageUnacceptable(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class UnsupportedRescueImage(Invalid):
    msg_fmt = "Requested rescue image '%(image)s' is not supported"


class ImageQuotaExceeded(Forbidden):
    msg_fmt = "Quota exceeded or out of space for image %(image_id)s in the image service."


class GlanceConnectionFailed(NovaLiteException):
    msg_fmt = "Connection to glance host %(server)s failed: %(reason)s"
    code = 503


class ImageServiceError(NovaLiteException):
    msg_fmt = "The Image service answered %(status)s to %(request)s: %(reason)s"


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskTooSmall(Invalid):
    msg_fmt = "The created instance's disk would be too small."


class FlavorDiskSmallerThanImage(FlavorDiskTooSmall):
    msg_fmt = (
        "Flavor's disk is too small for requested image. Flavor disk is "
        "%(flavor_size)i bytes, image is %(image_size)i bytes."
    )


class FlavorDiskSmallerThanMinDisk(FlavorDiskTooSmall):
    msg_fmt = (
        "Flavor's disk is smaller than the minimum size specified in image metadata. "
        "Flavor disk is %(flavor_size)i bytes, minimum size is %(image_min_disk)i bytes."
    )


class BootFromVolumeRequiredForZeroDiskFlavor(Forbidden):
    msg_fmt = "Only volume-backed servers are allowed for flavors with zero disk."


class KeypairNotFound(NotFound):
    msg_fmt = "Keypair %(name)s not found for user %(user_id)s"


class InvalidKeypair(Invalid):
    msg_fmt = "Keypair data is invalid: %(reason)s"


class MethodNotAllowed(NovaLiteException):
    msg_fmt = "The method %(method)s is not allowed for this resource."
    code = 405


class NotAcceptable(NovaLiteException):
    msg_fmt = "%(reason)s"
    code = 406


class UnsupportedMediaType(NovaLiteException):
    msg_fmt = "Unsupported Content-Type"
    code = 415


class Conflict(NovaLiteException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


class ImageDeleteConflict(Conflict):
    msg_fmt = "Conflict deleting image. Reason: %(reason)s."


class FlavorExists(Conflict):
    msg_fmt = "Flavor with %(key)s %(value)s already exists."


class FlavorAccessExists(Conflict):
    msg_fmt = (
        "Flavor access already exists for flavor %(flavor_id)s and project "
        "%(project_id)s combination."
    )


class ServiceExists(Conflict):
    msg_fmt = "Service %(binary)s on host %(host)s already exists."


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


# -- quotas --
class OverQuota(NovaLiteException):
    """Usage would exceed a limit; kwargs ``overs``, ``quotas``, ``usages``.

    Nova's API answers every over-quota error with 403.
    """

    msg_fmt = "Quota exceeded for resources: %(overs)s"
    code = 403


class TooManyInstances(OverQuota):
    msg_fmt = (
        "Quota exceeded for %(overs)s: Requested %(req)s, but already used "
        "%(used)s of %(allowed)s %(overs)s"
    )


class MetadataLimitExceeded(OverQuota):
    msg_fmt = "Maximum number of metadata items exceeds %(allowed)d"


class KeypairLimitExceeded(OverQuota):
    msg_fmt = "Quota exceeded, too many key pairs."


class ServerGroupLimitExceeded(OverQuota):
    msg_fmt = "Quota exceeded, too many server groups."


class GroupMemberLimitExceeded(OverQuota):
    msg_fmt = "Quota exceeded, too many servers in group"


class UnexpectedTaskStateError(Conflict):
    msg_fmt = (
        "Conflict updating instance %(instance_uuid)s. Expected: %(expected)s. Actual: %(actual)s"
    )


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class InstanceInvalidState(Conflict):
    msg_fmt = "Cannot '%(method)s' instance %(instance_uuid)s while it is in %(attr)s %(state)s"


class InstanceIsLocked(Conflict):
    msg_fmt = "Instance %(instance_uuid)s is locked"


class InstanceNotReady(Conflict):
    msg_fmt = "Instance %(instance_id)s is not ready"


# -- cold migration and resize --
class MigrationNotFound(NotFound):
    msg_fmt = "Migration %(migration_id)s could not be found."


class MigrationNotFoundByStatus(MigrationNotFound):
    msg_fmt = "Migration not found for instance %(instance_id)s with status %(status)s."


class MigrationNotFoundForInstance(MigrationNotFound):
    msg_fmt = "Migration %(migration_id)s not found for instance %(instance_id)s"


class InvalidMigrationState(Invalid):
    msg_fmt = (
        "Migration %(migration_id)s state of instance %(instance_uuid)s is %(state)s. "
        "Cannot %(method)s while the migration is in this state."
    )


class CannotResizeToSameFlavor(Invalid):
    msg_fmt = "When resizing, instances must change flavor!"


class CannotResizeDisk(Invalid):
    msg_fmt = "Server disk was unable to be resized because: %(reason)s"


class ServiceUnavailable(Conflict):
    msg_fmt = "Service is unavailable at this time."


class UnableToMigrateToSelf(Invalid):
    msg_fmt = "Unable to migrate instance (%(instance_id)s) to current host (%(host)s)."


class ComputeServiceUnavailable(Invalid):
    msg_fmt = "Compute service of %(host)s is unavailable at this time."


class ComputeServiceInUse(Invalid):
    msg_fmt = "Compute service of %(host)s is still in use."


class LiveMigrationFailed(NovaLiteException):
    msg_fmt = "Live migration of instance %(instance_uuid)s to %(host)s failed"


class ComputeRPCVersionCapped(Conflict):
    msg_fmt = (
        "Cannot %(method)s: the compute RPC API is capped at %(cap)s by [upgrade_levels] "
        "compute, and %(version)s is needed."
    )


class ConductorRPCVersionCapped(Conflict):
    msg_fmt = (
        "Cannot %(method)s: the conductor RPC API is capped at %(cap)s by [upgrade_levels] "
        "conductor, and %(version)s is needed."
    )


# -- shelve and unshelve --
class UnshelveInstanceInvalidState(InstanceInvalidState):
    msg_fmt = (
        'Specifying an availability zone or a host when unshelving server "%(instance_uuid)s" '
        'with status "%(state)s" is not supported. The server status must be SHELVED_OFFLOADED.'
    )


class UnshelveHostNotInAZ(Conflict):
    msg_fmt = 'Host "%(host)s" is not in the availability zone "%(availability_zone)s".'


class UnshelveException(NovaLiteException):
    msg_fmt = "Error during unshelve instance %(instance_id)s: %(reason)s"


class MoveInterrupted(NovaLiteException):
    msg_fmt = "The %(move)s of instance %(instance_uuid)s was interrupted in %(task)s: %(outcome)s"


class NoValidHost(NovaLiteException):
    msg_fmt = "No valid host was found. %(reason)s"
    code = 500


class ComputeResourcesUnavailable(NovaLiteException):
    msg_fmt = "Insufficient compute resources: %(reason)s"
    code = 500


class BuildAbortException(NovaLiteException):
    msg_fmt = "Build of instance %(instance_uuid)s aborted: %(reason)s"


class InstanceSpawnFailed(NovaLiteException):
    msg_fmt = "Spawning instance %(instance_uuid)s failed: %(reason)s"


class InstanceTaskTimedOut(NovaLiteException):
    msg_fmt = "Task of instance %(instance_uuid)s abandoned: %(reason)s"


class InjectedFailure(NovaLiteException):
    msg_fmt = "Injected failure in %(method)s of the fake driver"


class VirtDriverNotFound(NovaLiteException):
    msg_fmt = "Could not load virt driver %(name)s: %(reason)s"


class DatabaseNotConfigured(NovaLiteException):
    msg_fmt = (
        "No [database] connection is configured. Only nova-lite-conductor and "
        "nova-lite-manage use the database."
    )


class InstancePasswordSetFailed(Conflict):
    msg_fmt = "Failed to set admin password on %(instance)s because %(reason)s"


class FeatureNotSupported(NovaLiteException):
    msg_fmt = "The requested functionality is not supported."
    code = 501


class SetAdminPasswdNotImplemented(NovaLiteException):
    msg_fmt = "Unable to set password on instance"
    code = 501


# -- host aggregates, availability zones, server groups --
class AggregateNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s could not be found."


class AggregateNameExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_name)s already exists."


class AggregateHostNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s has no host %(host)s."


class AggregateHostExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_id)s already has host %(host)s."


class InvalidAggregateAction(Invalid):
    msg_fmt = "Unacceptable parameters."


class InvalidAggregateActionUpdate(InvalidAggregateAction):
    msg_fmt = "Cannot update aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionUpdateMeta(InvalidAggregateAction):
    msg_fmt = "Cannot update metadata of aggregate %(aggregate_id)s. Reason: %(reason)s."


class AggregateNotEmpty(InvalidAggregateAction):
    # Nova raises its InvalidAggregateActionDelete here, answered with 400.
    msg_fmt = "Cannot remove host from aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionAdd(Conflict):
    # A 400 in Nova's exception module, answered with 409 by add_host.
    msg_fmt = "Cannot add host to aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionDelete(Conflict):
    # A 400 in Nova's exception module, answered with 409 by remove_host.
    msg_fmt = "Cannot remove host from aggregate %(aggregate_id)s. Reason: %(reason)s."


class InstanceGroupNotFound(NotFound):
    msg_fmt = "Instance group %(group_uuid)s could not be found."


class UnsupportedPolicyException(Invalid):
    msg_fmt = "ServerGroup policy is not supported: %(reason)s"


class GroupAffinityViolation(NovaLiteException):
    msg_fmt = "%(policy)s instance group policy was violated"
