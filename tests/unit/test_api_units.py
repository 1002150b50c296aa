"""API building blocks: microversions, request validation and server views."""

from __future__ import annotations

import hashlib

import pytest
import webob
from oslo_utils import timeutils, uuidutils

from nova_lite import exception
from nova_lite.api import microversion, validation
from nova_lite.api.schemas import servers as server_schemas
from nova_lite.api.views import servers as server_views
from nova_lite.compute import power_state, task_states, vm_states
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance import Instance
from nova_lite.objects.instance_fault import InstanceFault

MIN, MAX = microversion.MIN_VERSION, microversion.MAX_VERSION
TOO_NEW = f"{MAX.major}.{MAX.minor + 1}"


def _headers(**headers):
    return webob.Request.blank("/", headers=headers).headers


# -- microversions ------------------------------------------------------------------


def test_no_header_means_the_minimum():
    assert microversion.from_headers(_headers()) == MIN == (2, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {"OpenStack-API-Version": "compute 2.1"},
        {"openstack-api-version": "COMPUTE  2.1"},
        {"OpenStack-API-Version": "volume 3.0, compute 2.1"},
        {"X-OpenStack-Nova-API-Version": "2.1"},
        {"X-OpenStack-Nova-API-Version": " 2.1 "},
    ],
)
def test_explicit_version(headers):
    assert microversion.from_headers(_headers(**headers)) == (2, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {"OpenStack-API-Version": "compute latest"},
        {"OpenStack-API-Version": "compute LATEST"},
        {"X-OpenStack-Nova-API-Version": "latest"},
    ],
)
def test_latest_is_the_maximum(headers):
    assert microversion.from_headers(_headers(**headers)) == MAX


def test_new_header_wins_over_the_legacy_one():
    headers = _headers(
        **{"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": TOO_NEW}
    )
    assert microversion.from_headers(headers) == (2, 1)


def test_other_service_in_new_header_falls_back():
    assert microversion.from_headers(_headers(**{"OpenStack-API-Version": "volume 3.70"})) == MIN
    headers = _headers(
        **{"OpenStack-API-Version": "volume 3.70", "X-OpenStack-Nova-API-Version": "latest"}
    )
    assert microversion.from_headers(headers) == MAX


@pytest.mark.parametrize("value", ["2", "2.01", "abc", "2.x", "02.1", "2.1.1", "-2.1", ""])
def test_malformed_version_is_invalid_request(value):
    with pytest.raises(exception.InvalidRequest) as info:
        microversion.from_headers(_headers(**{"OpenStack-API-Version": f"compute {value}"}))
    assert info.value.code == 400


def test_malformed_legacy_version_is_invalid_request():
    with pytest.raises(exception.InvalidRequest):
        microversion.from_headers(_headers(**{"X-OpenStack-Nova-API-Version": "two"}))


@pytest.mark.parametrize("value", ["2.0", "1.1", "3.0", TOO_NEW])
def test_version_out_of_range_is_not_acceptable(value):
    with pytest.raises(exception.NotAcceptable) as info:
        microversion.from_headers(_headers(**{"OpenStack-API-Version": f"compute {value}"}))
    assert info.value.code == 406
    assert str(MAX) in info.value.format_message()


def test_versions_compare_numerically():
    parse = microversion.APIVersion.parse
    assert parse("2.10") > parse("2.9")
    assert parse("3.0") > parse("2.99")
    assert str(parse("2.10")) == "2.10"


def test_response_headers():
    headers = microversion.response_headers(microversion.APIVersion(2, 1))
    assert headers["OpenStack-API-Version"] == "compute 2.1"
    assert headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in headers["Vary"]
    assert "X-OpenStack-Nova-API-Version" in headers["Vary"]


# -- validation ---------------------------------------------------------------------------


def _server(**fields):
    return {"server": {"name": "vm", "flavorRef": "1", **fields}}


def _invalid(body, schema=server_schemas.create_v21):
    with pytest.raises(exception.ValidationError) as info:
        validation.validate(schema, body)
    assert info.value.code == 400
    return info.value.format_message()


def test_valid_body_passes():
    validation.validate(
        server_schemas.create_v21,
        _server(imageRef="img", min_count="2", metadata={"k": "v"}, accessIPv4="10.0.0.1"),
    )


def test_missing_nested_field_is_named_with_its_path():
    message = _invalid({"server": {"flavorRef": "1"}})
    assert "server/name" in message
    assert "'name' is a required property" in message


def test_missing_top_level_field():
    message = _invalid({})
    assert "field/attribute server." in message
    assert "'server' is a required property" in message


def test_wrong_type_names_the_field():
    message = _invalid(_server(name=5))
    assert "field/attribute server/name." in message
    assert "5 is not of type 'string'" in message


def test_pattern_failure_names_the_field():
    assert "server/name" in _invalid(_server(name=" leading space"))


def test_additional_property_names_its_parent_and_itself():
    message = _invalid(_server(bogus=1))
    assert "field/attribute server." in message
    assert "bogus" in message


def test_unknown_top_level_property():
    message = _invalid({**_server(), "extra": True})
    assert "field/attribute body." in message
    assert "extra" in message


def test_metadata_value_names_the_key():
    assert "server/metadata/k" in _invalid(_server(metadata={"k": 1}))


def test_format_checked():
    assert "server/accessIPv4" in _invalid(_server(accessIPv4="not-an-ip"))


def test_boolean_and_integer_types():
    assert "server/config_drive" in _invalid(_server(config_drive="maybe"))
    assert "server/min_count" in _invalid(_server(min_count="two"))
    assert "server/min_count" in _invalid(_server(min_count=0))


def test_non_object_body():
    assert "field/attribute body." in _invalid([1, 2])


# -- server status and hostId ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vm_state", "task_state", "status"),
    [
        (vm_states.ACTIVE, None, "ACTIVE"),
        (vm_states.BUILDING, None, "BUILD"),
        (vm_states.BUILDING, task_states.SCHEDULING, "BUILD"),
        (vm_states.BUILDING, task_states.SPAWNING, "BUILD"),
        (vm_states.BUILDING, task_states.DELETING, "BUILD"),
        (vm_states.ERROR, None, "ERROR"),
        (vm_states.ERROR, task_states.DELETING, "ERROR"),
        (vm_states.ERROR, task_states.REBUILDING, "REBUILD"),
        (vm_states.STOPPED, None, "SHUTOFF"),
        (vm_states.STOPPED, task_states.POWERING_ON, "SHUTOFF"),
        (vm_states.ACTIVE, task_states.REBOOTING, "REBOOT"),
        (vm_states.ACTIVE, task_states.REBOOT_PENDING, "REBOOT"),
        (vm_states.ACTIVE, task_states.REBOOTING_HARD, "HARD_REBOOT"),
        (vm_states.ACTIVE, task_states.REBOOT_STARTED_HARD, "HARD_REBOOT"),
        (vm_states.ACTIVE, task_states.RESIZE_PREP, "RESIZE"),
        (vm_states.ACTIVE, task_states.RESIZE_MIGRATING, "RESIZE"),
        (vm_states.ACTIVE, task_states.RESIZE_FINISH, "RESIZE"),
        (vm_states.STOPPED, task_states.RESIZE_MIGRATED, "RESIZE"),
        (vm_states.RESIZED, None, "VERIFY_RESIZE"),
        (vm_states.RESIZED, task_states.RESIZE_REVERTING, "REVERT_RESIZE"),
        (vm_states.ACTIVE, task_states.MIGRATING, "MIGRATING"),
        (vm_states.ACTIVE, task_states.POWERING_OFF, "ACTIVE"),
        (vm_states.ACTIVE, task_states.DELETING, "ACTIVE"),
        (vm_states.PAUSED, None, "PAUSED"),
        (vm_states.SUSPENDED, None, "SUSPENDED"),
        (vm_states.RESCUED, None, "RESCUE"),
        (vm_states.SHELVED_OFFLOADED, None, "SHELVED_OFFLOADED"),
        (vm_states.SOFT_DELETED, None, "SOFT_DELETED"),
        (vm_states.DELETED, None, "DELETED"),
        ("no-such-state", None, "UNKNOWN"),
        (None, None, "UNKNOWN"),
    ],
)
def test_status_from_state(vm_state, task_state, status):
    assert server_views.status_from_state(vm_state, task_state) == status


def test_host_id_is_a_stable_per_project_hash():
    first = server_views.host_id("p1", "compute1")
    assert first == server_views.host_id("p1", "compute1")
    assert first == hashlib.sha224(b"p1compute1").hexdigest()
    assert len(first) == 56
    assert first != server_views.host_id("p2", "compute1")
    assert first != server_views.host_id("p1", "compute2")
    assert "compute1" not in first


@pytest.mark.parametrize("host", [None, ""])
def test_host_id_empty_without_host(host):
    assert server_views.host_id("p1", host) == ""


# -- server detail view ------------------------------------------------------------------------


def _instance(**kwargs):
    flavor = Flavor(id=1, flavorid="42", name="m1", memory_mb=512, vcpus=1)
    values = dict(
        id=10,
        uuid=uuidutils.generate_uuid(),
        display_name="vm",
        project_id="p1",
        user_id="u1",
        host="compute1",
        node="compute1",
        vm_state=vm_states.ACTIVE,
        task_state=None,
        power_state=power_state.RUNNING,
        image_ref="img-1",
        metadata={"k": "v"},
        created_at=timeutils.utcnow(),
        updated_at=None,
        launched_at=None,
        terminated_at=None,
        access_ip_v4=None,
        access_ip_v6=None,
        availability_zone=None,
        config_drive=None,
        key_name=None,
        progress=None,
        flavor=flavor,
    )
    values.update(kwargs)
    return Instance(**values)


def _fault(code, details="Traceback: secret"):
    return InstanceFault(
        instance_uuid=uuidutils.generate_uuid(),
        code=code,
        message="boom",
        details=details,
        created_at=timeutils.utcnow(),
    )


def _req():
    return webob.Request.blank("/v2.1/servers/detail", base_url="http://api:8774")


def _viewer(admin: bool) -> server_views.Viewer:
    """What policy shows an admin (extended attributes, fault details) or an owner, at 2.1."""
    return server_views.Viewer(is_admin=admin, extended_attributes=admin)


def test_detail_for_an_owner():
    instance = _instance()
    body = server_views.detail(_req(), instance, _viewer(admin=False))
    assert body["id"] == instance.uuid
    assert body["status"] == "ACTIVE"
    assert body["hostId"] == server_views.host_id("p1", "compute1")
    assert body["flavor"]["id"] == "42"
    assert body["image"]["id"] == "img-1"
    assert body["metadata"] == {"k": "v"}
    assert body["progress"] == 0
    assert body["OS-EXT-STS:power_state"] == power_state.RUNNING
    assert body["updated"] == body["created"]
    assert "OS-EXT-SRV-ATTR:host" not in body
    assert "fault" not in body
    assert body["links"][0]["href"] == f"http://api:8774/v2.1/servers/{instance.uuid}"


def test_detail_for_an_admin_shows_host_attributes():
    body = server_views.detail(_req(), _instance(), _viewer(admin=True))
    assert body["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert body["OS-EXT-SRV-ATTR:hypervisor_hostname"] == "compute1"
    assert body["OS-EXT-SRV-ATTR:instance_name"] == "instance-0000000a"


def test_detail_fault_only_in_error_and_500_details_only_for_admins():
    errored = _instance(vm_state=vm_states.ERROR, fault=_fault(500))
    user_view = server_views.detail(_req(), errored, _viewer(admin=False))
    assert user_view["status"] == "ERROR"
    assert user_view["fault"]["code"] == 500
    assert user_view["fault"]["message"] == "boom"
    assert "details" not in user_view["fault"]
    assert "progress" not in user_view
    admin_view = server_views.detail(_req(), errored, _viewer(admin=True))
    assert admin_view["fault"]["details"] == "Traceback: secret"

    conflict = _instance(vm_state=vm_states.ERROR, fault=_fault(409, details="why"))
    assert server_views.detail(_req(), conflict, _viewer(admin=False))["fault"]["details"] == "why"

    active = _instance(fault=_fault(500))
    assert "fault" not in server_views.detail(_req(), active, _viewer(admin=True))


def test_detail_without_image_or_host():
    body = server_views.detail(_req(), _instance(image_ref=None, host=None), _viewer(admin=False))
    assert body["image"] == ""
    assert body["hostId"] == ""
