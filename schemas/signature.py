"""Source identity on the wire (contracts §8): the `ipasn-signature` header.

A message whose source has a secret carries the Kafka header
`ipasn-signature: sha256=<lowercase hex HMAC-SHA256(secret, the message value bytes)>`.
Secrets appear nowhere but in `SourceSecrets`: not in a repr, a log line, an error or a dead
letter. They are read from the file named by IPASN_SOURCE_SECRETS_FILE (worker/config/secrets.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

SIGNATURE_HEADER = "ipasn-signature"


@dataclass(frozen=True, slots=True)
class SourceSecrets:
    """Each source's secret (absent: the source signs nothing), and whether a source without
    one is refused all the same (IPASN_REQUIRE_SIGNATURES)."""

    by_source: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    required: bool = False

    def secret(self, source: str) -> bytes | None:
        return self.by_source.get(source)


def sign(secret: bytes, value: bytes) -> str:
    """The `ipasn-signature` header's value for a message value."""
    return "sha256=" + hmac.new(secret, value, hashlib.sha256).hexdigest()


def verify(secret: bytes, value: bytes, signature: bytes) -> bool:
    """Whether the header's value is the value's signature, exactly (lowercase hex), compared
    in constant time."""
    return hmac.compare_digest(sign(secret, value).encode("ascii"), signature)
