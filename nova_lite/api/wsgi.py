"""``application`` for uwsgi or gunicorn.

Reads the configuration from ``$NOVA_LITE_CONFIG`` (default
``/etc/nova-lite/nova-lite.conf`` when it exists).
"""

import os

from nova_lite.cmd import api as api_cmd

_config = os.environ.get("NOVA_LITE_CONFIG", "/etc/nova-lite/nova-lite.conf")
application = api_cmd.init_application(
    ["nova-lite-api"] + (["--config-file", _config] if os.path.exists(_config) else [])
)
