"""Selection: one host the scheduler chose for one instance."""

from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class Selection(base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "service_host": fields.StringField(),
        "nodename": fields.StringField(),
        "compute_node_uuid": fields.UUIDField(),
        "instance_uuid": fields.UUIDField(),
    }
