"""Topics, brokers and ACLs, through Kafka's admin API: create topics, find missing ones, count a
cluster's brokers, create ACLs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    NewTopic,
    ResourcePattern,
    ResourceType,
)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from worker.kafka.clients import PLAINTEXT, KafkaOptions


def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    replication_factor: int,
    *,
    client_id: str,
    security: KafkaOptions = PLAINTEXT,
    timeout_s: float = 30.0,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Create topics with the given partition counts and `configs` (topic → Kafka topic
    configs); existing ones are left alone. Returns the names of those it created.

    Returns once the broker's metadata lists them all, so that a client can use them at once;
    TimeoutError where it does not within `timeout_s`. A replication factor of -1 is the
    broker's default.replication.factor.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    created = []
    try:
        for name, partitions in topics.items():
            given = dict((configs or {}).get(name, {}))
            try:
                admin.create_topics([NewTopic(name, partitions, replication_factor, {}, given)])
            except TopicAlreadyExistsError:
                continue
            created.append(name)
        deadline = time.monotonic() + timeout_s
        while not set(topics) <= set(admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics not visible after {timeout_s:.0f} s")
            time.sleep(0.1)
    finally:
        admin.close()
    return created


def existing_topics(
    bootstrap: str,
    *,
    client_id: str,
    security: KafkaOptions = PLAINTEXT,
    timeout_ms: int = 30_000,
) -> set[str]:
    """The names of the topics on the cluster at `bootstrap` (a metadata request that creates
    none, whatever the broker's auto.create.topics.enable); a KafkaError where no broker
    answers within `timeout_ms`."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
        **security,
    )
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def topic_configs(
    bootstrap: str, names: list[str], *, client_id: str, security: KafkaOptions = PLAINTEXT
) -> dict[str, dict[str, str]]:
    """Each topic's configs set apart from the broker's defaults."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    try:
        answer = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        admin.close()
    return {
        name: {key: str(data["value"]) for key, data in configs.items()}
        for name, configs in answer.get("topic", {}).items()
    }


def registered_brokers(
    bootstrap: str, *, client_id: str, security: KafkaOptions = PLAINTEXT
) -> int:
    """How many brokers the cluster at `bootstrap` has registered; 0 while none answers."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    except KafkaError:
        return 0
    try:
        return len(admin.describe_cluster()["brokers"])
    except KafkaError:
        return 0
    finally:
        admin.close()


def missing_topics(
    bootstrap: str,
    topics: Sequence[str],
    *,
    client_id: str,
    security: KafkaOptions = PLAINTEXT,
    timeout_ms: int = 30_000,
) -> list[str]:
    """Those of `topics` the cluster does not have; a KafkaError where no broker answers
    within `timeout_ms`."""
    listed = existing_topics(
        bootstrap, client_id=client_id, security=security, timeout_ms=timeout_ms
    )
    return [t for t in topics if t not in listed]


class Allowed(Protocol):
    """An ACL that allows (worker/config/agencies.py's Grant): Kafka's names of the operation
    (READ), the resource type (TOPIC), the pattern type (LITERAL) and the principal."""

    @property
    def principal(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def pattern(self) -> str: ...
    @property
    def name(self) -> str: ...


A = TypeVar("A", bound=Allowed)


def create_acls(
    bootstrap: str, grants: Sequence[A], *, client_id: str, security: KafkaOptions = PLAINTEXT
) -> list[tuple[A, str]]:
    """Create these ACLs (allowing, from any host); those the broker refused, each with its
    error's name. An ACL that exists already is not created twice."""
    acls = [
        ACL(
            principal=g.principal,
            host="*",
            operation=ACLOperation[g.operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(
                ResourceType[g.resource], g.name, ACLResourcePatternType[g.pattern]
            ),
        )
        for g in grants
    ]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    try:
        answer = admin.create_acls(acls) if acls else {"succeeded": [], "failed": []}
    finally:
        admin.close()
    # kafka-python lists the failures' errors (classes) in order, without their ACLs.
    created = {id(acl) for acl in answer["succeeded"]}
    refused = [g for acl, g in zip(acls, grants, strict=True) if id(acl) not in created]
    errors = [getattr(e, "__name__", type(e).__name__) for e in answer["failed"]]
    return list(zip(refused, errors, strict=True))
