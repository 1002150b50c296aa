"""Client side of the compute service's RPC API (server = the compute host)."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import rpc

CONF = cfg.CONF

TOPIC = "compute"


class ComputeAPI:
    """API version history:
    1.0 - build_and_run_instance, terminate_instance
    """

    VERSION = "1.0"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, version=self.VERSION),
            version_cap=CONF.upgrade_levels.compute,
        )

    def build_and_run_instance(
        self, context, instance, host: str, node: str, image: dict, request_spec
    ) -> None:
        self.client.prepare(server=host).cast(
            context,
            "build_and_run_instance",
            instance=instance,
            node=node,
            image=image,
            request_spec=request_spec,
        )

    def terminate_instance(self, context, instance) -> None:
        self.client.prepare(server=instance.host).cast(
            context, "terminate_instance", instance=instance
        )

    def _cast(self, context, method: str, instance, version: str = "1.1", **kwargs) -> None:
        client = self.client.prepare(server=instance.host, version=version)
        client.cast(context, method, instance=instance, **kwargs)

    def start_instance(self, context, instance) -> None:
        self._cast(context, "start_instance", instance)

    def stop_instance(self, context, instance, clean_shutdown: bool = True) -> None:
        self._cast(context, "stop_instance", instance, clean_shutdown=clean_shutdown)

    def reboot_instance(self, context, instance, reboot_type: str) -> None:
        self._cast(context, "reboot_instance", instance, reboot_type=reboot_type)

    def pause_instance(self, context, instance) -> None:
        self._cast(context, "pause_instance", instance)

    def unpause_instance(self, context, instance) -> None:
        self._cast(context, "unpause_instance", instance)

    def suspend_instance(self, context, instance) -> None:
        self._cast(context, "suspend_instance", instance)

    def resume_instance(self, context, instance) -> None:
        self._cast(context, "resume_instance", instance)

    def get_console_output(self, context, instance, tail_length: int | None) -> str:
        client = self.client.prepare(server=instance.host, version="1.1")
        return client.call(
            context, "get_console_output", instance=instance, tail_length=tail_length
        )
