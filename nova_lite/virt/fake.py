"""FakeDriver: guests kept in memory, capacity from [fake] options.

Used by tests and for scale testing: one process can run many compute
services with it, each with its own host name.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time

from oslo_config import cfg

from nova_lite import exception
from nova_lite.compute import power_state, task_states
from nova_lite.image import glance
from nova_lite.virt import driver

_STARTED = time.monotonic()

CONF = cfg.CONF


class GuestTable(dict):
    """Guest power states by instance uuid, kept in a JSON file when ``path`` is
    given, so the fake hypervisor outlives its compute process as a real one does."""

    def __init__(self, path: str | None):
        super().__init__()
        self.path = path
        if path and os.path.exists(path):
            with open(path) as stream:
                super().update(json.load(stream))

    def _save(self) -> None:
        if self.path:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.tmp"
            with open(tmp, "w") as stream:
                json.dump(dict(self), stream)
            os.replace(tmp, self.path)

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._save()

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._save()

    def pop(self, key, *default):
        value = super().pop(key, *default)
        self._save()
        return value


def snapshot_data(instance) -> bytes:
    """The disk contents the fake driver uploads for a snapshot of ``instance``."""
    return f"nova-lite fake disk of instance {instance.uuid}\n".encode()


FAIL_KEY = "fake:fail"
HANG_KEY = "fake:hang"


def _injected(name: str, instance) -> tuple[bool, float]:
    """Whether ``name`` should fail, and how long it should hang first.

    From ``[fake] fail_methods``/``hang_methods`` or the instance's metadata
    ``fake:fail`` = "spawn,power_off" and ``fake:hang`` = "spawn=30".
    """
    metadata = getattr(instance, "metadata", None) or {}
    fails = set(CONF.fake.fail_methods) | set(filter(None, metadata.get(FAIL_KEY, "").split(",")))
    hangs = {k: float(v) for k, v in CONF.fake.hang_methods.items()}
    for item in filter(None, metadata.get(HANG_KEY, "").split(",")):
        method, _, seconds = item.partition("=")
        hangs[method.strip()] = float(seconds or 3600)
    return name in fails, hangs.get(name, 0.0)


def injectable(method):
    """Let tests make a driver call fail or hang (see ``_injected``)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        instance = next(
            (a for a in args if hasattr(a, "uuid") and type(a).__name__ != "Migration"), None
        )
        fail, hang = _injected(method.__name__, instance)
        if hang:
            time.sleep(hang)
        if fail:
            raise exception.InjectedFailure(method=method.__name__)
        return method(self, *args, **kwargs)

    return wrapper


class FakeDriver(driver.ComputeDriver):
    capabilities = {
        "supports_password_change": True,
        "supports_rescue": True,
        "supports_live_migration": True,
    }

    def __init__(self, host: str):
        super().__init__(host)
        path = None
        if CONF.fake.persistent:
            path = os.path.join(CONF.state_path, f"fake-guests-{host}.json")
        self._guests = GuestTable(path)
        # Guests a resize or cold migration took away, kept (powered off) on
        # their source until the move is confirmed or reverted.
        self._moved = GuestTable(path and path.replace("fake-guests-", "fake-moved-"))
        # Guests booted from a rescue image (uuid -> True) until unrescued.
        self._rescued = GuestTable(path and path.replace("fake-guests-", "fake-rescued-"))
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()
        # Power states of guests arriving by live migration, until they resume here.
        self._incoming: dict[str, int] = {}
        # Admin orders ("complete" or "abort") to the live migrations leaving from here.
        self._orders: dict[str, str] = {}
        self._order_given = threading.Condition(self._lock)

    def get_available_nodes(self) -> list[str]:
        return [self.host]

    def get_available_resource(self, nodename: str) -> dict:
        with self._lock:
            running = len(self._guests)
        return {
            "vcpus": CONF.fake.vcpus,
            "memory_mb": CONF.fake.memory_mb,
            "local_gb": CONF.fake.local_gb,
            "hypervisor_type": "fake",
            "hypervisor_version": 1000,
            "hypervisor_hostname": nodename,
            "cpu_info": "{}",
            "running_vms": running,
        }

    def get_host_uptime(self) -> str:
        """The uptime(1) line of this driver's life: its start is the host's boot."""
        minutes = int(time.monotonic() - _STARTED) // 60
        return (
            time.strftime(" %H:%M:%S")
            + f" up {minutes // 60}:{minutes % 60:02d},  0 users,  load average: 0.00, 0.00, 0.00"
        )

    def list_instances(self) -> list[str]:
        return self.list_instance_uuids()

    def list_instance_uuids(self) -> list[str]:
        with self._lock:
            return list(self._guests)

    def get_info(self, instance) -> driver.InstanceInfo:
        with self._lock:
            if instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            return driver.InstanceInfo(state=self._guests[instance.uuid], internal_id=instance.uuid)

    def _set(self, instance, state: int) -> None:
        with self._lock:
            if instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._guests[instance.uuid] = state

    @injectable
    def spawn(
        self,
        context,
        instance,
        image_meta,
        admin_password=None,
        network_info=None,
        block_device_info=None,
    ) -> None:
        if CONF.fake.spawn_delay:
            time.sleep(CONF.fake.spawn_delay)
        with self._lock:
            self._guests[instance.uuid] = power_state.RUNNING

    @injectable
    def destroy(
        self, context, instance, network_info=None, block_device_info=None, destroy_disks=True
    ) -> None:
        with self._lock:
            self._guests.pop(instance.uuid, None)
            self._rescued.pop(instance.uuid, None)

    def cleanup(
        self, context, instance, network_info=None, block_device_info=None, destroy_disks=True
    ) -> None:
        self.destroy(context, instance)

    @injectable
    def reboot(self, context, instance, network_info, reboot_type, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    @injectable
    def power_off(self, instance, timeout=0, retry_interval=0) -> None:
        self._set(instance, power_state.SHUTDOWN)

    @injectable
    def power_on(self, context, instance, network_info=None, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    @injectable
    def pause(self, instance) -> None:
        self._set(instance, power_state.PAUSED)

    @injectable
    def unpause(self, instance) -> None:
        self._set(instance, power_state.RUNNING)

    @injectable
    def suspend(self, context, instance) -> None:
        self._set(instance, power_state.SUSPENDED)

    @injectable
    def resume(self, context, instance, network_info=None, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    # -- snapshots ------------------------------------------------------------------
    @injectable
    def snapshot(self, context, instance, image_id: str, update_task_state) -> None:
        """Upload a small raw "disk" naming the instance into the image."""
        self.get_info(instance)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        api = glance.API()
        api.update(context, image_id, {"disk_format": "raw", "container_format": "bare"})
        update_task_state(
            task_state=task_states.IMAGE_UPLOADING,
            expected_state=task_states.IMAGE_PENDING_UPLOAD,
        )
        api.upload(context, image_id, snapshot_data(instance))

    # -- cold migration and resize ---------------------------------------------
    @injectable
    def migrate_disk_and_power_off(
        self,
        context,
        instance,
        dest,
        flavor,
        network_info,
        block_device_info=None,
        timeout=0,
        retry_interval=0,
    ) -> dict:
        with self._lock:
            if instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            del self._guests[instance.uuid]
            self._moved[instance.uuid] = power_state.SHUTDOWN
        return {"source": self.host, "disk_gb": str(flavor.root_gb + flavor.ephemeral_gb)}

    @injectable
    def finish_migration(
        self,
        context,
        migration,
        instance,
        disk_info,
        network_info,
        image_meta,
        resize_instance,
        allocations=None,
        block_device_info=None,
        power_on=True,
    ) -> None:
        with self._lock:
            self._guests[instance.uuid] = power_state.RUNNING if power_on else power_state.SHUTDOWN

    @injectable
    def confirm_migration(self, context, migration, instance, network_info) -> None:
        with self._lock:
            self._moved.pop(instance.uuid, None)

    @injectable
    def finish_revert_migration(
        self, context, instance, network_info, migration, block_device_info=None, power_on=True
    ) -> None:
        with self._lock:
            if instance.uuid in self._moved:
                del self._moved[instance.uuid]
            elif instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._guests[instance.uuid] = power_state.RUNNING if power_on else power_state.SHUTDOWN

    # -- live migration (the guest moves from this driver's table to the destination's) --
    @injectable
    def check_can_live_migrate_destination(
        self,
        context,
        instance,
        src_compute_info,
        dst_compute_info,
        block_migration=False,
        disk_over_commit=False,
    ) -> dict:
        return {"dest": self.host, "block_migration": bool(block_migration)}

    @injectable
    def check_can_live_migrate_source(
        self, context, instance, dest_check_data, block_device_info=None
    ) -> dict:
        state = self.get_info(instance).state
        with self._lock:  # an order that came too late for the last migration
            self._orders.pop(instance.uuid, None)
        return {**dest_check_data, "source": self.host, "power_state": state}

    @injectable
    def pre_live_migration(
        self, context, instance, block_device_info, network_info, disk_info, migrate_data=None
    ) -> dict:
        migrate_data = dict(migrate_data or {})
        with self._lock:  # the incoming guest waits, paused, for its memory
            self._guests[instance.uuid] = power_state.PAUSED
            self._incoming[instance.uuid] = migrate_data.get("power_state", power_state.RUNNING)
        return migrate_data

    def live_migration(
        self,
        context,
        instance,
        dest,
        post_method,
        recover_method,
        block_migration=False,
        migrate_data=None,
    ) -> None:
        """Moves at once, or after the injected hang (``fake:hang=live_migration=N``),
        which force-complete ends early and abort cancels."""
        migrate_data = dict(migrate_data or {})
        fail, hang = _injected("live_migration", instance)
        with self._order_given:
            self._order_given.wait_for(lambda: instance.uuid in self._orders, timeout=hang)
            order = self._orders.pop(instance.uuid, None)
        if order == "abort":
            recover_method(context, instance, dest, migrate_data, migration_status="cancelled")
            return
        if fail:
            recover_method(context, instance, dest, migrate_data)
            return
        with self._lock:
            state = self._guests.pop(instance.uuid, None)
        if state is None:
            recover_method(context, instance, dest, migrate_data)
            return
        migrate_data["power_state"] = state
        post_method(context, instance, dest, block_migration, migrate_data)

    def _give_order(self, instance, order: str) -> None:
        with self._order_given:
            self._orders[instance.uuid] = order
            self._order_given.notify_all()

    @injectable
    def live_migration_force_complete(self, instance) -> None:
        self._give_order(instance, "complete")

    @injectable
    def live_migration_abort(self, instance) -> None:
        self._give_order(instance, "abort")

    @injectable
    def post_live_migration(self, context, instance, block_device_info, migrate_data=None) -> None:
        with self._lock:
            self._guests.pop(instance.uuid, None)

    @injectable
    def post_live_migration_at_destination(
        self, context, instance, network_info, block_migration=False, block_device_info=None
    ) -> None:
        with self._lock:  # it resumes as it ran on the source
            self._guests[instance.uuid] = self._incoming.pop(instance.uuid, power_state.RUNNING)

    def rollback_live_migration_at_destination(
        self,
        context,
        instance,
        network_info,
        block_device_info,
        destroy_disks=True,
        migrate_data=None,
    ) -> None:
        with self._lock:
            self._guests.pop(instance.uuid, None)
            self._incoming.pop(instance.uuid, None)

    # -- rescue and admin password -------------------------------------------------
    @injectable
    def rescue(
        self, context, instance, network_info, image_meta, rescue_password, block_device_info=None
    ) -> None:
        with self._lock:
            if instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._rescued[instance.uuid] = True
            self._guests[instance.uuid] = power_state.RUNNING

    @injectable
    def unrescue(self, context, instance) -> None:
        with self._lock:
            if instance.uuid not in self._guests:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._rescued.pop(instance.uuid, None)
            self._guests[instance.uuid] = power_state.RUNNING

    def is_rescued(self, instance) -> bool:
        with self._lock:
            return bool(self._rescued.get(instance.uuid))

    @injectable
    def set_admin_password(self, instance, new_pass: str) -> None:
        self.get_info(instance)
        self._passwords[instance.uuid] = new_pass

    def get_console_output(self, context, instance) -> str:
        self.get_info(instance)
        return "FAKE CONSOLE OUTPUT\n"
