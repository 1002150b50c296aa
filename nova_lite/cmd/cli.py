"""nova-lite: command-line client of the nova-lite Compute API, built on openstacksdk.

Authentication is read as the OpenStack clients read it: ``--os-cloud NAME`` (or
``OS_CLOUD``) with clouds.yaml, or ``OS_*`` environment variables / ``--os-*`` options.
Against a development server with ``[api] auth_strategy = noauth2`` (no Keystone)::

    export OS_AUTH_TYPE=admin_token          # keystoneauth "admin_token" plugin
    export OS_TOKEN=admin:admin              # sent as X-Auth-Token: <user>:<project>
    export OS_ENDPOINT=http://127.0.0.1:8774/v2.1
    nova-lite flavor list

Or as options: ``--os-auth-type admin_token --os-token admin:admin --os-endpoint URL``;
or in clouds.yaml: ``auth_type: admin_token`` and
``auth: {token: admin:admin, endpoint: http://127.0.0.1:8774/v2.1}``.
Errors are printed as one ``Error: ...`` line with exit code 1; ``--debug`` logs HTTP.
"""

from __future__ import annotations

import sys

from nova_lite.cli import shell


def main(argv: list[str] | None = None) -> int:
    """Run the ``nova-lite`` command line ``argv`` (default sys.argv[1:]); return exit code."""
    return shell.run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
