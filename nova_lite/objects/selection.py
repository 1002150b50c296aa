"""Selection: one host the scheduler chose for one instance."""

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class Selection(base.NovaLiteObject):
    # 1.0: initial version
    # 1.1: availability_zone
    VERSION = "1.1"

    fields = {
        "service_host": fields.StringField(),
        "nodename": fields.StringField(),
        "compute_node_uuid": fields.UUIDField(),
        "instance_uuid": fields.UUIDField(),
        # The availability zone of the host, as the scheduler knows it.
        "availability_zone": fields.StringField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("availability_zone", None)
