"""All nova-lite options, registered on the global ``CONF``."""

from oslo_config import cfg

from nova_lite.conf import api, compute, database, default, fake, scheduler

CONF = cfg.CONF

for _module in (default, database, api, compute, scheduler, fake):
    _module.register_opts(CONF)
