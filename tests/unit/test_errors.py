"""One error root for streams/: foreign errors are mapped where the code meets them, the most
specific mapping winning, and anything unmapped passes through untouched (a bug stays a bug)."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from streams.config import Settings
from streams.errors import (
    BadSetting,
    BrokerRefused,
    BrokerUnavailable,
    FileUnreadable,
    InvalidBrokerAddress,
    StreamsError,
    map_exceptions,
    os_errors,
)
from streams.kafka.clients import FETCH_MAX_WAIT_MS, broker_errors
from streams.kafka.probe import addresses, while_broker_answers
from streams.local.processes import free_port
from streams.providers import ProviderError


def test_a_broker_that_refuses_a_connection_is_unavailable_and_any_other_kafka_error_refused():
    unavailable = pytest.raises(
        BrokerUnavailable, match=r"no Kafka broker answers at 127\.0\.0\.1:1 "
    )
    with unavailable, broker_errors("127.0.0.1:1"):
        raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")
    with pytest.raises(BrokerRefused, match="refused: KafkaTimeoutError"), broker_errors("x:1"):
        raise KafkaTimeoutError()


def test_a_generic_kafka_error_is_named_once():
    error = KafkaError("Unable to get cluster metadata over all known brokers")
    text = str(BrokerRefused("kafka://127.0.0.1:1", error))
    assert text.count("KafkaError") == 1, text


async def test_a_refusal_while_the_broker_is_gone_is_said_as_the_broker_gone():
    url = f"kafka://127.0.0.1:{free_port()}"  # nothing listens: the broker died meanwhile

    async def waiting_for_topics() -> None:
        raise BrokerRefused(url, KafkaError("Unable to get cluster metadata"))

    with pytest.raises(BrokerUnavailable, match="stopped answering") as raised:
        await while_broker_answers(url, waiting_for_topics(), every=0.2)
    assert raised.value.was_up


def test_the_most_specific_mapping_wins_and_the_original_is_kept_as_the_cause():
    mapping = {
        OSError: lambda error: StreamsError("os"),
        FileNotFoundError: lambda error: FileUnreadable("leg1.jsonl", "gone"),
    }
    unreadable = pytest.raises(FileUnreadable, match=r"cannot read leg1\.jsonl: gone")
    with unreadable as raised, map_exceptions(mapping):
        raise FileNotFoundError("leg1.jsonl")
    assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_an_error_nobody_mapped_passes_through_as_a_bug():
    with pytest.raises(KeyError), map_exceptions(os_errors("leg1.jsonl")):
        raise KeyError("a bug")


def test_a_provider_error_is_one_of_ours():
    assert issubclass(ProviderError, StreamsError)


def test_settings_survive_the_worker_environment_they_are_passed_in():
    settings = Settings(broker="kafka://127.0.0.1:19092", app_id="replay-1", healing=False)
    assert Settings.from_env(settings.environment()) == settings
    assert settings.replace(partitions=2).model_fields_set >= {"broker", "app_id", "partitions"}


def test_a_bad_worker_setting_is_named_with_its_value_and_what_it_must_be():
    with pytest.raises(BadSetting) as raised:
        Settings.from_env({"TRACKER_FETCH_WAIT_MS": "2000", "TRACKER_PARTITIONS": "2"})
    assert str(raised.value).startswith("TRACKER_FETCH_WAIT_MS='2000': ")
    assert "1500" in str(raised.value)


def test_the_worker_fetch_wait_is_read_from_the_environment_and_passed_on():
    settings = Settings.from_env({"TRACKER_FETCH_WAIT_MS": "30"})
    assert settings.fetch_wait_ms == 30
    assert Settings.from_env(settings.environment()).fetch_wait_ms == 30
    assert Settings.from_env({}).fetch_wait_ms == FETCH_MAX_WAIT_MS


@pytest.mark.parametrize(
    ("env", "named", "why"),
    [
        (
            {"TRACKER_SESSION_TIMEOUT": "-1"},
            "TRACKER_SESSION_TIMEOUT",
            "greater than or equal to 1",
        ),
        ({"TRACKER_SESSION_TIMEOUT": "0"}, "TRACKER_SESSION_TIMEOUT", "greater than or equal to 1"),
        ({"TRACKER_WEB_PORT": "70000"}, "TRACKER_WEB_PORT", "less than or equal to 65535"),
        (
            {"TRACKER_HEARTBEAT_INTERVAL": "10"},
            "TRACKER_HEARTBEAT_INTERVAL",
            "less than the session",
        ),
        ({"TRACKER_COMMIT_INTERVAL": "0"}, "TRACKER_COMMIT_INTERVAL", "greater than 0"),
    ],
)
def test_a_worker_setting_it_could_never_run_with_is_refused_by_name(env, named, why):
    # A session timeout of 0 or less was taken: the worker never joined its group, and held
    # the group back for the next worker on that broker.
    with pytest.raises(BadSetting) as raised:
        Settings.from_env(env)
    assert raised.value.name == named
    assert why in str(raised.value)
    assert Settings.from_env({"TRACKER_SESSION_TIMEOUT": "3"}).heartbeat_interval == 1.0


@pytest.mark.parametrize("port", ["70000", "0"])
def test_a_broker_address_with_a_port_out_of_range_is_named_not_a_socket_traceback(port):
    url = f"kafka://127.0.0.1:{port}"
    with pytest.raises(InvalidBrokerAddress, match=f"port {port} is not 1-65535 in {url!r}"):
        addresses(url)
