"""nova-lite: a small, faithful implementation of OpenStack Nova."""

import warnings

# futurist and oslo.messaging import eventlet (unused here: native threads);
# its deprecation notice would otherwise be printed by every command.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from oslo_service import backend as _service_backend  # noqa: E402

# Native threads everywhere: choose oslo.service's threading backend before
# oslo.messaging imports oslo.service and would pick the eventlet default.
if _service_backend._cached_backend_type is None:
    _service_backend.init_backend(_service_backend.BackendType.THREADING)
