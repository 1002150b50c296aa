"""Entry points of the daemons, nova-lite-manage and the nova-lite CLI."""
