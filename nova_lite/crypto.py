"""SSH key pairs: generation and Nova's fingerprint (MD5 of the key blob)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nova_lite import exception


def generate_fingerprint(public_key: str) -> str:
    """``aa:bb:...``: the MD5 of an OpenSSH public key's decoded blob, as Nova computes it.

    Raises InvalidKeypair (400) when ``public_key`` is not an OpenSSH public key.
    """
    try:
        serialization.load_ssh_public_key(public_key.encode("utf-8"))
        blob = base64.b64decode(public_key.split()[1])
    except Exception:  # noqa: BLE001 - any unparsable key is the caller's bad input
        raise exception.InvalidKeypair(reason="failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def generate_key_pair(bits: int = 2048) -> tuple[str, str, str]:
    """A new RSA key: (private key PEM, OpenSSH public key, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
        + " Generated-by-Nova"
    )
    return private_key, public_key, generate_fingerprint(public_key)
