"""Worker and script settings: one object, read from environment variables with defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from streams.errors import BadSetting

DEFAULT_BROKER = "kafka://127.0.0.1:9092"
#: The largest TCP port.
MAX_PORT = 65535
#: How long a consumer's fetch may wait for records, in milliseconds (see
#: `streams.kafka.clients.FETCH_MAX_WAIT_MS`, where the measurement is); the worker's own
#: is :attr:`Settings.fetch_wait_ms`.
DEFAULT_FETCH_WAIT_MS = 10


class Settings(BaseModel):
    """Every knob of the worker. Environment variable names are in each field's alias."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    broker: str = Field(DEFAULT_BROKER, alias="KAFKA_BROKER", description="Kafka bootstrap URL")
    app_id: str = Field("tracker", alias="TRACKER_APP_ID", description="Faust app id / group")
    topic_prefix: str = Field("", alias="TRACKER_TOPIC_PREFIX", description="'replay.' etc.")
    partitions: int = Field(8, ge=1, alias="TRACKER_PARTITIONS")
    store: str = Field(
        "memory://", alias="TRACKER_STORE", description="memory:// or rocksdb:// (durable)"
    )
    datadir: str = Field("var/{conf.id}-data", alias="TRACKER_DATADIR")
    web_enabled: bool = Field(False, alias="TRACKER_WEB")
    web_port: int = Field(6066, ge=1, le=MAX_PORT, alias="TRACKER_WEB_PORT")
    #: Seconds. Kafka brokers refuse a session shorter than 6 s or longer than 30 minutes by
    #: default; Tansu takes any, and a worker given 0 or less never joined its group (and held
    #: the group back for the next worker).
    session_timeout: float = Field(10.0, ge=1, le=1800, alias="TRACKER_SESSION_TIMEOUT")
    heartbeat_interval: float = Field(1.0, gt=0, alias="TRACKER_HEARTBEAT_INTERVAL")
    commit_interval: float = Field(1.0, gt=0, alias="TRACKER_COMMIT_INTERVAL")
    stall_timeout: float = Field(
        300.0,
        gt=0,
        alias="TRACKER_STALL_TIMEOUT",
        description="seconds without progress before Faust logs a stalled stream",
    )
    healing: bool = Field(
        True,
        alias="TRACKER_HEALING",
        description="re-read match-events when the table is behind (off only to measure)",
    )
    fetch_wait_ms: int = Field(
        DEFAULT_FETCH_WAIT_MS,
        ge=1,
        le=1500,
        alias="TRACKER_FETCH_WAIT_MS",
        description="how long the worker's fetch of match-events may wait for records: "
        "longer spends less CPU polling, and delays a quiet match's updates more",
    )

    @field_validator("heartbeat_interval")
    @classmethod
    def _heartbeat_within_the_session(cls, interval: float, info: ValidationInfo) -> float:
        session = info.data.get("session_timeout")
        if session is not None and interval >= session:
            raise ValueError(f"must be less than the session timeout ({session:g} s)")
        return interval

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives; :class:`BadSetting` names the first
        variable whose value does not fit."""
        env = os.environ if environ is None else environ
        names = {field.alias for field in cls.model_fields.values() if field.alias}
        try:
            return cls.model_validate({name: env[name] for name in names if name in env})
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            name = str(first["loc"][0]) if first["loc"] else "(settings)"
            raise BadSetting(name, env.get(name), first["msg"]) from None

    def environment(self) -> dict[str, str]:
        """These settings as the environment variables a worker reads them from: the
        inverse of :meth:`from_env`, so a worker started with it runs with exactly these."""
        values = self.model_dump(by_alias=True)
        return {
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in values.items()
        }

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (by field name), validated; the fields set on this one
        stay set."""
        data = self.model_dump(include=self.model_fields_set)
        return type(self).model_validate({**data, **changes})

    @property
    def bootstrap(self) -> str:
        """``host:port`` for plain Kafka clients (``kafka://`` stripped)."""
        return bootstrap_of(self.broker)


def bootstrap_of(url: str) -> str:
    """``127.0.0.1:9092`` from ``kafka://127.0.0.1:9092`` (or from itself)."""
    return url.split("://", 1)[-1].rstrip("/")


def add_broker_argument(parser: argparse.ArgumentParser) -> None:
    """``--broker URL``, defaulting to ``KAFKA_BROKER`` or the embedded broker's address."""
    parser.add_argument(
        "--broker",
        default=os.environ.get("KAFKA_BROKER", DEFAULT_BROKER),
        help="Kafka bootstrap URL (env KAFKA_BROKER; default %(default)s, where "
        "scripts/demo.py and python -m streams.broker run the embedded broker)",
    )
