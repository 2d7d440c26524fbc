"""Apache Kafka with security on, for tests and people trying IPASN_KAFKA_SECURITY_PROTOCOL.

Each node then has two client listeners, both TLS with the caller's certificates (PEM, which
Kafka 4 reads without a JKS or PKCS#12 keystore):

- SASL_SSL on the node's port: SCRAM-SHA-512 (credentials written at storage format time, as
  `kafka-storage format --add-scram` does) and PLAIN (from the listener's JAAS configuration);
- SSL on a port of its own, with `ssl.client.auth=required`: mutual TLS, the client
  certificate signed by the same CA.

The nodes talk to each other on a PLAINTEXT listener of their own on 127.0.0.1, which clients
never learn of: a broker advertises to a client only the listener it connected to.

With `authorizer`, Kafka's standard authoriser (StandardAuthorizer) denies what no ACL allows
(contracts §15; `ipasn-worker topics acls`). The first user, the one the broker's own admin
client is, and the nodes' PLAINTEXT listeners (User:ANONYMOUS) are super users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SCRAM = "SCRAM-SHA-512"
SASL_LOGIN = "org.apache.kafka.common.security"


@dataclass(frozen=True)
class BrokerSecurity:
    """ca_file: the CA (PEM) that signed the broker's certificate and the clients' ones;
    keystore_file: the broker's private key (PKCS#8, unencrypted) and certificate chain (PEM);
    users: name → password, accepted by SCRAM-SHA-512 and PLAIN alike (the first one is the
    broker's own admin client's); authorizer: ACLs enforced."""

    ca_file: Path
    keystore_file: Path
    users: Mapping[str, str] = field(repr=False)
    authorizer: bool = False

    def __post_init__(self) -> None:
        for name, password in self.users.items():
            # kafka-storage's --add-scram syntax has no escapes.
            if not name or any(c in name + password for c in ',[]="\\\n '):
                raise ValueError('user names and passwords without , [ ] = " \\ or spaces')
        if not self.users:
            raise ValueError("at least one user")

    def format_args(self) -> list[str]:
        """The storage format tool's arguments that create the SCRAM credentials."""
        args: list[str] = []
        for name, password in self.users.items():
            args += ["--add-scram", f"{SCRAM}=[name={name},password={password}]"]
        return args

    def properties(
        self,
        *,
        listen_port: int,
        port: int,
        tls_port: int,
        internal_port: int,
        controller_port: int,
    ) -> dict[str, object]:
        """A node's listener settings: they replace the PLAINTEXT ones of a plain node."""
        plain_users = " ".join(f'user_{n}="{p}"' for n, p in self.users.items())
        return self._authorizer() | {
            "listeners": f"SASL_SSL://127.0.0.1:{listen_port},SSL://127.0.0.1:{tls_port},"
            f"INTERNAL://127.0.0.1:{internal_port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{port},SSL://127.0.0.1:{tls_port},"
            f"INTERNAL://127.0.0.1:{internal_port}",
            "inter.broker.listener.name": "INTERNAL",
            "listener.security.protocol.map": "SASL_SSL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT,"
            "CONTROLLER:PLAINTEXT",
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": f"{SCRAM},PLAIN",
            f"listener.name.sasl_ssl.{SCRAM.lower()}.sasl.jaas.config":
                f"{SASL_LOGIN}.scram.ScramLoginModule required;",
            "listener.name.sasl_ssl.plain.sasl.jaas.config":
                f"{SASL_LOGIN}.plain.PlainLoginModule required {plain_users};",
            "listener.name.ssl.ssl.client.auth": "required",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": self.keystore_file,
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": self.ca_file,
        }  # fmt: skip

    def _authorizer(self) -> dict[str, object]:
        if not self.authorizer:
            return {}
        admin = next(iter(self.users))
        return {
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:{admin};User:ANONYMOUS",
        }

    def client_options(self) -> dict[str, object]:
        """kafka-python's options for the SASL_SSL listener as the first user (SCRAM)."""
        name, password = next(iter(self.users.items()))
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": SCRAM,
            "sasl_plain_username": name,
            "sasl_plain_password": password,
            "ssl_cafile": str(self.ca_file),
            "ssl_check_hostname": True,
        }
