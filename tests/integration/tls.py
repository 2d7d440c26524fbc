"""A throwaway certificate authority and the certificates a secured test broker needs.

Made with `cryptography`: a CA, a broker certificate for 127.0.0.1 and localhost (the client
checks the host name), and a client certificate for mutual TLS, all valid for a day.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA certificate (PEM)
    broker: Path  # the broker's key and certificate chain (PEM, PKCS#8 key)
    client_cert: Path  # the client's certificate (PEM)
    client_key: Path  # its key (PEM, PKCS#8)
    other_ca: Path  # a CA that signed none of them


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca(common_name: str) -> KeyPair:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def _issue(ca: KeyPair, common_name: str, usage: x509.ObjectIdentifier, server: bool) -> KeyPair:
    ca_key, ca_cert = ca
    key = _key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if server:
        names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_certificates(folder: Path) -> Certificates:
    ca = _ca("ipasn test CA")
    broker_key, broker_cert = _issue(ca, "127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH, True)
    client_key, client_cert = _issue(ca, "ipasn-worker", ExtendedKeyUsageOID.CLIENT_AUTH, False)
    made = Certificates(
        ca=folder / "ca.pem",
        broker=folder / "broker.pem",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
        other_ca=folder / "other-ca.pem",
    )
    made.ca.write_bytes(_pem_cert(ca[1]))
    made.broker.write_bytes(_pem_key(broker_key) + _pem_cert(broker_cert) + _pem_cert(ca[1]))
    made.client_cert.write_bytes(_pem_cert(client_cert))
    made.client_key.write_bytes(_pem_key(client_key))
    made.client_key.chmod(0o600)
    made.other_ca.write_bytes(_pem_cert(_ca("another CA")[1]))
    return made
