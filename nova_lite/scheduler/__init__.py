"""The scheduler: filters and weighs compute hosts, and claims on the chosen one."""
