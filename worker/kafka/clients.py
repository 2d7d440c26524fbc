"""What every Kafka client of the project is given: its security options and a client id.

The security options are kafka-python's keyword arguments for IPASN_KAFKA_SECURITY_PROTOCOL and
the SASL and TLS settings (made by worker/config/kafka.py); PLAINTEXT needs none. Client ids
name the program in the brokers' logs, metrics and quotas.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

KafkaOptions = Mapping[str, object]
PLAINTEXT: KafkaOptions = MappingProxyType({})

WORKER: Final = "ipasn-worker"  # the worker's consumer and producer
DLQ_REPLAY: Final = "ipasn-dlq-replay"  # `dlq replay`: its reader, cursors and producer
OVERRIDE: Final = "ipasn-override"
PUBLISH: Final = "ipasn-publish"
TOPICS: Final = "ipasn-topics"  # `topics create`
IMPORT: Final = "ipasn-import"  # `import`: a spreadsheet's rows
INTAKE: Final = "ipasn-intake"  # `intake`: the HTTP intake's producer and broker check
DEV: Final = "ipasn-dev"  # the development brokers' topic creation
DEMO_UPSTREAM: Final = "ipasn-demo-upstream"  # the demo playing SIASN, e-Kinerja and SIMPEGs
BENCH_UPSTREAM: Final = "bench-upstream"  # the benchmark's stream
LATENCY_UPSTREAM: Final = "latency-upstream"  # the benchmark's steady stream
