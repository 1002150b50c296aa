"""Key pairs: SSH keys (fingerprint: MD5 of the key blob) and x509 certificates
(fingerprint: SHA-1 of the certificate), generated or imported, as Nova makes them."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
import string

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def generate_x509_fingerprint(pem_certificate: str) -> str:
    """``aa:bb:...``: the SHA-1 of a PEM certificate, as Nova computes it.

    Raises InvalidKeypair (400) when ``pem_certificate`` is not a PEM certificate.
    """
    try:
        certificate = x509.load_pem_x509_certificate(pem_certificate.encode("utf-8"))
    except ValueError as error:
        raise exception.InvalidKeypair(
            reason=f"failed to generate X509 fingerprint. Error message: {error}"
        ) from None
    return _colon_hex(certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - Nova's format


# The user principal name of a WinRM client certificate (Microsoft's OID).
_UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
_CERT_DAYS = 3650


def _der_utf8_string(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) < 0x80:
        return bytes([0x0C, len(data)]) + data
    size = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + data


def generate_x509_cert(user_id: str, bits: int = 2048) -> tuple[str, str, str]:
    """A WinRM client certificate for ``user_id``, as Nova generates for x509 key pairs.

    Returns (private key: base64 PKCS#12 without a password, PEM certificate,
    fingerprint). The certificate is self-signed for ``CN=<user_id>``, valid
    ten years, for client authentication with the UPN ``<user_id>@localhost``.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.UTC)
    upn = x509.OtherName(_UPN_OID, _der_utf8_string(f"{user_id}@localhost"))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=_CERT_DAYS))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([upn]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    bundle = pkcs12.serialize_key_and_certificates(
        None, key, certificate, None, serialization.NoEncryption()
    )
    return base64.b64encode(bundle).decode("ascii"), pem, generate_x509_fingerprint(pem)


def generate_password(length: int = 12) -> str:
    """A random password of letters and digits."""
    symbols = string.ascii_letters + string.digits
    return "".join(secrets.choice(symbols) for _ in range(length))
