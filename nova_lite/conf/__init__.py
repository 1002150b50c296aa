"""All nova-lite options, registered on the global ``CONF``."""

import oslo_messaging
from oslo_config import cfg

from nova_lite.conf import (
    api,
    availability_zone,
    compute,
    database,
    default,
    fake,
    glance,
    quota,
    scheduler,
    service_user,
    upgrade_levels,
)

CONF = cfg.CONF

# Every option module, in the order their groups are registered and listed.
MODULES = (
    default,
    database,
    api,
    availability_zone,
    compute,
    scheduler,
    fake,
    glance,
    quota,
    service_user,
    upgrade_levels,
)
for _module in MODULES:
    _module.register_opts(CONF)

# oslo.messaging registers transport_url only when a transport is created;
# register the same option objects now so that it can be read before.
CONF.register_opts(oslo_messaging.transport._transport_opts)
oslo_messaging.set_transport_defaults(control_exchange="nova_lite")
