"""AggregateInstanceExtraSpecsFilter: hosts whose aggregates' metadata meets the
flavor's extra specs (unscoped keys and keys scoped
``aggregate_instance_extra_specs:``; other scopes are not this filter's)."""

from __future__ import annotations

from nova_lite.scheduler import filters
from nova_lite.scheduler.filters import extra_specs_ops

SCOPE = "aggregate_instance_extra_specs"


def _metadata(host_state) -> dict[str, set[str]]:
    """Every value of each key over the host's aggregates (comma lists split)."""
    metadata: dict[str, set[str]] = {}
    for aggregate in host_state.aggregates:
        for key, value in aggregate.metadata.items():
            metadata.setdefault(key, set()).update(v.strip() for v in value.split(","))
    return metadata


class AggregateInstanceExtraSpecsFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec) -> bool:
        extra_specs = spec.flavor.extra_specs if "extra_specs" in spec.flavor else {}
        if not extra_specs:
            return True
        metadata = _metadata(host_state)
        for key, requirement in extra_specs.items():
            scope, scoped, name = key.partition(":")
            if not scoped:
                name = key
            elif scope != SCOPE:
                continue
            values = metadata.get(name)
            if not values or not any(extra_specs_ops.match(v, requirement) for v in values):
                return False
        return True
