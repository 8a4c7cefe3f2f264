"""The server's TLS certificate: a self-signed one made on first start (kept in the data folder),
or the administrator's own (``--cert``/``--key``). Desktops pin its SHA-256 fingerprint on their
first connection (trust on first use, as SSH does), so a self-signed certificate is safe."""
from __future__ import annotations

import ipaddress
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

from app.remote.wire import fingerprint_of_pem

CERT_NAME = "server-cert.pem"
KEY_NAME = "server-key.pem"


def fingerprint_of_file(path: Path) -> str:
    return fingerprint_of_pem(Path(path).read_text())


def ensure_self_signed(folder: Path, names: list[str] | None = None) -> tuple[Path, Path, bool]:
    """The certificate and key in ``folder``, made now if missing. Returns (cert, key, created)."""
    folder = Path(folder)
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if cert.exists() and key.exists():
        return cert, key, False
    folder.mkdir(parents=True, exist_ok=True)
    cert_pem, key_pem = make_self_signed(names)
    key.touch(mode=0o600)
    key.write_bytes(key_pem)
    cert.write_bytes(cert_pem)
    return cert, key, True


def make_self_signed(names: list[str] | None = None) -> tuple[bytes, bytes]:
    """A 10-year EC P-256 certificate for this machine's names and addresses (PEM cert, PEM key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    host = socket.gethostname() or "localhost"
    names = list(dict.fromkeys((names or []) + [host, "localhost", "127.0.0.1", "::1"]))
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ImportDesk server {host}"[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ImportDesk")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
