"""The key pair API used by nova-lite-api (Nova's ``compute.api.KeypairAPI``)."""

from __future__ import annotations

from nova_lite import crypto
from nova_lite.objects.keypair import KEYPAIR_TYPE_SSH, KeyPair, KeyPairList


class KeypairAPI:
    def import_key_pair(
        self, context, user_id: str, key_name: str, public_key: str, key_type=KEYPAIR_TYPE_SSH
    ) -> KeyPair:
        """Store the caller's public key; InvalidKeypair (400) when it does not parse."""
        keypair = KeyPair(
            context,
            user_id=user_id,
            name=key_name,
            type=key_type,
            public_key=public_key,
            fingerprint=crypto.generate_fingerprint(public_key),
        )
        keypair.create()
        return keypair

    def create_key_pair(
        self, context, user_id: str, key_name: str, key_type=KEYPAIR_TYPE_SSH
    ) -> tuple[KeyPair, str]:
        """Generate a key pair, keep its public half; return it with the private key."""
        private_key, public_key, fingerprint = crypto.generate_key_pair()
        keypair = KeyPair(
            context,
            user_id=user_id,
            name=key_name,
            type=key_type,
            public_key=public_key,
            fingerprint=fingerprint,
        )
        keypair.create()
        return keypair, private_key

    def get_key_pairs(self, context, user_id: str) -> KeyPairList:
        return KeyPairList.get_by_user(context, user_id)

    def get_key_pair(self, context, user_id: str, key_name: str) -> KeyPair:
        return KeyPair.get_by_name(context, user_id, key_name)

    def delete_key_pair(self, context, user_id: str, key_name: str) -> None:
        KeyPair.destroy_by_name(context, user_id, key_name)
