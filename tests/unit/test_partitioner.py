"""Our producers place keys exactly where aiokafka's default partitioner (and so any Kafka
client hashing with murmur2) would: a tie's events, updates and moments share a partition."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from streams.kafka.clients import KeptHashPartitioner

keys = st.lists(st.binary(max_size=64), min_size=1, max_size=50)
layouts = st.integers(min_value=1, max_value=64).map(lambda n: list(range(n)))


@given(keys, layouts)
def test_a_kept_hash_places_every_key_where_the_default_partitioner_does(keys, every):
    kept = KeptHashPartitioner(kept=7)  # forgets its hashes now and then
    for key in keys + keys:  # each key twice: hashed, then (mostly) remembered
        assert kept(key, every, every) == DefaultPartitioner()(key, every, every)


def test_the_seed_ties_key_lands_in_the_default_partitioners_partition_of_eight():
    kept, key, every = KeptHashPartitioner(), b"2025-concacaf-qf-lafc-inter-miami", list(range(8))
    assert kept(key, every, every) == DefaultPartitioner()(key, every, every)
    assert kept(key, every, every) == DefaultPartitioner()(key, every, every)


def test_a_message_without_a_key_goes_to_an_available_partition():
    assert KeptHashPartitioner()(None, [0, 1, 2, 3], [2]) == 2
