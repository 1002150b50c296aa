"""Host filters: plug-ins that drop hosts unable to take a request."""

from __future__ import annotations

from stevedore import named

NAMESPACE = "nova_lite.scheduler.filters"


class BaseHostFilter:
    """A filter passes or drops one host for one request spec."""

    def host_passes(self, host_state, spec) -> bool:
        raise NotImplementedError()

    def filter_all(self, host_states: list, spec) -> list:
        return [h for h in host_states if self.host_passes(h, spec)]


def load(names: list[str]) -> list[BaseHostFilter]:
    """Instances of the named filters, in the given order."""
    manager = named.NamedExtensionManager(
        NAMESPACE, names=names, name_order=True, on_missing_entrypoints_callback=_missing
    )
    return [ext.plugin() for ext in manager]


def _missing(names) -> None:
    raise ValueError(f"Unknown scheduler filters: {', '.join(sorted(names))}")
