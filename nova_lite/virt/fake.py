"""FakeDriver: guests kept in memory, capacity from [fake] options.

Used by tests and for scale testing: one process can run many compute
services with it, each with its own host name.
"""

from __future__ import annotations

import threading
import time

from oslo_config import cfg

from nova_lite import exception
from nova_lite.compute import power_state
from nova_lite.virt import driver

CONF = cfg.CONF


class FakeDriver(driver.ComputeDriver):
    capabilities = {
        "supports_password_change": True,
        "supports_rescue": True,
        "supports_live_migration": True,
    }

    def __init__(self, host: str):
        super().__init__(host)
        self._guests: dict[str, int] = {}
        self._lock = threading.Lock()

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
        return time.strftime(" %H:%M:%S up fake")

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

    def destroy(
        self, context, instance, network_info=None, block_device_info=None, destroy_disks=True
    ) -> None:
        with self._lock:
            self._guests.pop(instance.uuid, None)

    def cleanup(
        self, context, instance, network_info=None, block_device_info=None, destroy_disks=True
    ) -> None:
        self.destroy(context, instance)

    def reboot(self, context, instance, network_info, reboot_type, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    def power_off(self, instance, timeout=0, retry_interval=0) -> None:
        self._set(instance, power_state.SHUTDOWN)

    def power_on(self, context, instance, network_info=None, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    def pause(self, instance) -> None:
        self._set(instance, power_state.PAUSED)

    def unpause(self, instance) -> None:
        self._set(instance, power_state.RUNNING)

    def suspend(self, context, instance) -> None:
        self._set(instance, power_state.SUSPENDED)

    def resume(self, context, instance, network_info=None, block_device_info=None) -> None:
        self._set(instance, power_state.RUNNING)

    def get_console_output(self, context, instance) -> str:
        self.get_info(instance)
        return "FAKE CONSOLE OUTPUT\n"
