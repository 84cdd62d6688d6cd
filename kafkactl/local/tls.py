"""The local cluster's TLS material: a CA and one broker key pair, as PEM files in the state dir.

Rules:
- Generated once per state dir (on the first ``up``) and then reused: clients keep trusting
  the same CA across restarts. ``local down --purge`` deletes them with the rest of the state.
- The broker certificate's SAN covers IP 127.0.0.1 and DNS localhost, the only names clients
  use, so librdkafka's default hostname verification passes.
- The broker keystore is a PEM file (``ssl.keystore.type=PEM``): the unencrypted PKCS#8 key
  followed by the certificate chain. Private files are written with mode 0600.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 3650
_HASH = hashes.SHA256()


@dataclass(frozen=True)
class TlsFiles:
    directory: Path

    @property
    def ca_certificate(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def broker_keystore(self) -> Path:
        """Key and certificate chain of every local broker (they share one certificate)."""
        return self.directory / "broker-keystore.pem"

    def complete(self) -> bool:
        return all(p.is_file() for p in (self.ca_certificate, self.ca_key, self.broker_keystore))


def ensure(files: TlsFiles) -> TlsFiles:
    """Create the CA and the broker keystore unless all of them exist already."""
    if files.complete():
        return files
    files.directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _ca_certificate(ca_key)
    broker_key = ec.generate_private_key(ec.SECP256R1())
    broker_cert = _broker_certificate(broker_key, ca_key, ca_cert)
    _write(files.ca_key, _key_pem(ca_key), private=True)
    _write(files.broker_keystore, _key_pem(broker_key) + _cert_pem(broker_cert) + _cert_pem(ca_cert), private=True)
    _write(files.ca_certificate, _cert_pem(ca_cert), private=False)  # last: its presence marks completion
    return files


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kafkactl local"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
        now + datetime.timedelta(days=VALID_DAYS))


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    builder = x509.CertificateBuilder().subject_name(_name("kafkactl local CA")).issuer_name(_name("kafkactl local CA"))
    builder = _validity(builder).serial_number(x509.random_serial_number()).public_key(key.public_key())
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
        critical=True)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return builder.sign(key, _HASH)


def _broker_certificate(key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey,
                        ca_cert: x509.Certificate) -> x509.Certificate:
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    builder = x509.CertificateBuilder().subject_name(_name("kafkactl local broker")).issuer_name(ca_cert.subject)
    builder = _validity(builder).serial_number(x509.random_serial_number()).public_key(key.public_key())
    builder = builder.add_extension(san, critical=False)
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    return builder.sign(ca_key, _HASH)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, private: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    path.chmod(0o600 if private else 0o644)
