"""The key pair API used by nova-lite-api (Nova's ``compute.api.KeypairAPI``)."""

from __future__ import annotations

import functools

from nova_lite import crypto
from nova_lite.compute import quotas
from nova_lite.objects.keypair import KEYPAIR_TYPE_SSH, KEYPAIR_TYPE_X509, KeyPair, KeyPairList


def _fingerprint(public_key: str, key_type: str) -> str:
    if key_type == KEYPAIR_TYPE_X509:
        return crypto.generate_x509_fingerprint(public_key)
    return crypto.generate_fingerprint(public_key)


def _generate(user_id: str, key_type: str) -> tuple[str, str, str]:
    """(private key, public key or certificate, fingerprint) of a new key pair."""
    if key_type == KEYPAIR_TYPE_X509:
        return crypto.generate_x509_cert(user_id)
    return crypto.generate_key_pair()


class KeypairAPI:
    @staticmethod
    def _create(context, keypair: KeyPair) -> None:
        """Insert the key pair, then recheck the quota (racing requests)."""
        keypair.create()
        check = functools.partial(quotas.check_key_pairs, context, keypair.user_id, 0)
        quotas.recheck(check, keypair.destroy)

    def import_key_pair(
        self, context, user_id: str, key_name: str, public_key: str, key_type=KEYPAIR_TYPE_SSH
    ) -> KeyPair:
        """Store the caller's public key; InvalidKeypair (400) when it does not parse,
        KeypairLimitExceeded (403) beyond the user's quota."""
        quotas.check_key_pairs(context, user_id)
        keypair = KeyPair(
            context,
            user_id=user_id,
            name=key_name,
            type=key_type,
            public_key=public_key,
            fingerprint=_fingerprint(public_key, key_type),
        )
        self._create(context, keypair)
        return keypair

    def create_key_pair(
        self, context, user_id: str, key_name: str, key_type=KEYPAIR_TYPE_SSH
    ) -> tuple[KeyPair, str]:
        """Generate a key pair, keep its public half; return it with the private key."""
        quotas.check_key_pairs(context, user_id)
        private_key, public_key, fingerprint = _generate(user_id, key_type)
        keypair = KeyPair(
            context,
            user_id=user_id,
            name=key_name,
            type=key_type,
            public_key=public_key,
            fingerprint=fingerprint,
        )
        self._create(context, keypair)
        return keypair, private_key

    def get_key_pairs(
        self, context, user_id: str, limit: int | None = None, marker: str | None = None
    ) -> KeyPairList:
        """The user's key pairs by name; MarkerNotFound (400) for an unknown ``marker``."""
        return KeyPairList.get_by_user(context, user_id, limit=limit, marker=marker)

    def get_key_pair(self, context, user_id: str, key_name: str) -> KeyPair:
        return KeyPair.get_by_name(context, user_id, key_name)

    def delete_key_pair(self, context, user_id: str, key_name: str) -> None:
        KeyPair.destroy_by_name(context, user_id, key_name)
