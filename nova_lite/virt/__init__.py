"""Virt drivers: the only code that talks to hypervisors."""
