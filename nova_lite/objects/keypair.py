"""KeyPair: a user's SSH public key, by name (``os-keypairs``)."""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite.objects import base

KEYPAIR_TYPE_SSH = "ssh"
KEYPAIR_TYPE_X509 = "x509"


@base.register
class KeyPair(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "fingerprint": fields.StringField(nullable=True),
        "public_key": fields.StringField(nullable=True),
        "type": fields.StringField(default=KEYPAIR_TYPE_SSH),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, keypair: KeyPair, row) -> KeyPair:
        base.from_db_object(keypair, row)
        keypair._context = context
        return keypair

    @base.remotable_classmethod
    def get_by_name(cls, context, user_id: str, name: str) -> KeyPair:
        """The user's key pair called ``name``; KeypairNotFound otherwise."""
        row = base.db_api().key_pair_get(context, user_id, name)
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def destroy_by_name(cls, context, user_id: str, name: str) -> None:
        base.db_api().key_pair_destroy(context, user_id, name)

    @base.remotable
    def create(self) -> None:
        """Insert the key pair; KeyPairExists when the user has one of that name."""
        values = {
            k: v
            for k, v in self.obj_get_changes().items()
            if k not in ("id", "deleted", "deleted_at", "created_at", "updated_at")
        }
        values.setdefault("type", self.type if "type" in self else KEYPAIR_TYPE_SSH)
        row = base.db_api().key_pair_create(self._context, base.db_values(values))
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self) -> None:
        base.db_api().key_pair_destroy(self._context, self.user_id, self.name)


@base.register
class KeyPairList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("KeyPair")}

    @base.remotable_classmethod
    def get_by_user(
        cls, context, user_id: str, limit: int | None = None, marker: str | None = None
    ) -> KeyPairList:
        """The user's key pairs by name, ``limit`` of them after the one named ``marker``."""
        rows = base.db_api().key_pair_get_all_by_user(context, user_id, limit, marker)
        return base.make_list(context, cls(), KeyPair, rows)
