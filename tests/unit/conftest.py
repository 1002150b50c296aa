"""Helpers of the unit tests: contexts and rows built through the real objects."""

from __future__ import annotations

import itertools

import pytest
from oslo_utils import timeutils, uuidutils

from nova_lite import context as nova_context
from nova_lite.compute import task_states, vm_states
from nova_lite.objects import base as objects_base

_counter = itertools.count(1)


def admin_context(**kwargs) -> nova_context.RequestContext:
    kwargs.setdefault("user_id", "admin-user")
    kwargs.setdefault("project_id", "admin-project")
    return nova_context.RequestContext(roles=["admin"], **kwargs)


def user_context(project_id: str = "p1", user_id: str = "u1") -> nova_context.RequestContext:
    return nova_context.RequestContext(user_id=user_id, project_id=project_id, roles=["member"])


@pytest.fixture
def ctx():
    return admin_context()


@pytest.fixture(autouse=True)
def _no_leftover_indirection_api():
    """Every unit test starts and ends with objects running locally."""
    assert objects_base.NovaLiteObject.indirection_api is None
    yield
    leftover = objects_base.NovaLiteObject.indirection_api
    objects_base.NovaLiteObject.indirection_api = None
    assert leftover is None, "a test left NovaLiteObject.indirection_api set"


@pytest.fixture
def make_flavor(db, ctx):
    """Create a flavor row through the Flavor object."""
    from nova_lite.objects.flavor import Flavor

    def make(memory_mb=1024, vcpus=1, root_gb=10, ephemeral_gb=0, swap=0, **kwargs):
        n = next(_counter)
        kwargs.setdefault("flavorid", f"f{n}")
        kwargs.setdefault("name", f"flavor-{n}")
        flavor = Flavor(
            ctx,
            memory_mb=memory_mb,
            vcpus=vcpus,
            root_gb=root_gb,
            ephemeral_gb=ephemeral_gb,
            swap=swap,
            **kwargs,
        )
        flavor.create()
        return flavor

    return make


@pytest.fixture
def make_instance(db, ctx, make_flavor):
    """Create an instance row through the Instance object (BUILDING/scheduling)."""
    from nova_lite.objects.instance import Instance

    def make(context=None, flavor=None, **kwargs):
        context = context or ctx
        kwargs.setdefault("uuid", uuidutils.generate_uuid())
        kwargs.setdefault("project_id", context.project_id)
        kwargs.setdefault("user_id", context.user_id)
        kwargs.setdefault("display_name", f"server-{next(_counter)}")
        kwargs.setdefault("vm_state", vm_states.BUILDING)
        kwargs.setdefault("task_state", task_states.SCHEDULING)
        kwargs.setdefault("power_state", 0)
        instance = Instance(context, flavor=flavor or make_flavor(), **kwargs)
        instance.create()
        return instance

    return make


@pytest.fixture
def make_host(db, ctx):
    """Create a compute service (up) and its compute node; return the node."""
    from nova_lite.objects.compute_node import ComputeNode
    from nova_lite.objects.service import Service

    def make(
        host,
        vcpus=8,
        memory_mb=8192,
        local_gb=100,
        disabled=False,
        forced_down=False,
        last_seen_up=None,
        **node_kwargs,
    ):
        service = Service(
            ctx,
            host=host,
            binary="nova-compute",
            topic="compute",
            disabled=disabled,
            forced_down=forced_down,
            last_seen_up=last_seen_up or timeutils.utcnow(),
        )
        service.create()
        node = ComputeNode(
            ctx,
            service_id=service.id,
            host=host,
            hypervisor_hostname=host,
            hypervisor_type="fake",
            vcpus=vcpus,
            memory_mb=memory_mb,
            local_gb=local_gb,
            **node_kwargs,
        )
        node.create()
        return node

    return make
