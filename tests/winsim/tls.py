"""Self-signed TLS material for the simulator's ``basic-https`` listener.

The certificate is generated fresh at every start, so nothing secret is ever committed, and it
names ``localhost`` and ``127.0.0.1`` so a client that does validate (``ca_trust_path``) can too.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_NAME = "winsim-cert.pem"
KEY_NAME = "winsim-key.pem"


def _build_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """Return a one-month self-signed certificate for the loopback names."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "winsim")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Back-dated a little: the controller's clock may lag behind in containers.
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(alt_names, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def generate_self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a fresh certificate and private key (PEM) into ``directory``; return both paths.

    An EC P-256 key keeps the TLS handshake, the server's main per-task cost, cheap.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _build_certificate(key)
    cert_path = directory / CERT_NAME
    key_path = directory / KEY_NAME
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key file is created owner-only from the start, never world-readable even briefly.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """Return a server-side TLS context serving the given certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_path), str(key_path))
    return context
