"""Building blocks of the ``nova-lite`` command-line client (see nova_lite.cmd.cli)."""
