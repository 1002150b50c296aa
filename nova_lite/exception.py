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


class FlavorNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s could not be found."


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


class Conflict(NovaLiteException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


class FlavorExists(Conflict):
    msg_fmt = "Flavor with %(key)s %(value)s already exists."


class ServiceExists(Conflict):
    msg_fmt = "Service %(binary)s on host %(host)s already exists."


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


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


class SetAdminPasswdNotImplemented(NovaLiteException):
    msg_fmt = "Unable to set password on instance"
    code = 501
