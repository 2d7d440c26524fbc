"""The producers' partitioner puts each key where kafka-python's default (the Java client's
murmur2) puts it: consumers of a compacted topic, and the order per NIP, depend on it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import DefaultPartitioner

from producers.kafka_sink import KeyedPartitioner


class Cluster:
    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


SHARED = KeyedPartitioner(keys=5)  # small: its memory is cleared again and again


@given(
    keys=st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=30),
    partitions=st.integers(1, 64),
)
def test_each_key_goes_to_the_default_partitioners_partition(
    keys: list[bytes], partitions: int
) -> None:
    cluster = Cluster(partitions)
    for key in keys + keys:  # the second time from memory
        expected = DefaultPartitioner().partition("t", None, key, None, None, cluster)
        assert SHARED.partition("t", None, key, None, None, cluster) == expected


def test_a_topic_that_grows_partitions_is_partitioned_anew() -> None:
    partitioner, key = KeyedPartitioner(), b"198703142010121001"
    places = [partitioner.partition("t", None, key, None, None, Cluster(n)) for n in (3, 6, 12)]
    assert places == [
        DefaultPartitioner().partition("t", None, key, None, None, Cluster(n)) for n in (3, 6, 12)
    ]


def test_a_message_without_a_key_goes_to_some_partition() -> None:
    assert KeyedPartitioner().partition("t", None, None, None, None, Cluster(3)) in {0, 1, 2}
