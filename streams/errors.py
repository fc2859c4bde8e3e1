"""The errors streams/ raises on purpose, under one root.

Each says, in one line, what outside the code is not as a tool needs it: the broker, a
topic, a port, a process started here, a file, a provider's feed. aiokafka's and the OS's
errors become these where the code meets them (:mod:`streams.kafka`, :mod:`streams.local`,
match files) through :func:`map_exceptions`; the commands end on them with one line and exit
code 2 (:mod:`streams.commands.endings`). Any other exception is a bug, and shows its
traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

#: How a user gets a broker on this machine (the README's two ways).
HOW_TO_START = "start one with `python -m streams.broker` (in .venv) or `python3 scripts/demo.py`"


class StreamsError(Exception):
    """The root: something outside the code is not as needed (see the module's doc)."""


class BrokerUnavailable(StreamsError):
    """No broker answers at ``url``: not there at the start, or gone while working.
    ``pointer`` is how the command that failed is told where a broker is."""

    def __init__(
        self, url: str, why: str, *, was_up: bool = False, pointer: str = "--broker / KAFKA_BROKER"
    ) -> None:
        self.url = url
        self.why = why
        self.was_up = was_up
        if was_up:
            text = f"the broker at {url} stopped answering ({why})"
        else:
            text = (
                f"no Kafka broker answers at {url} ({why}); {HOW_TO_START}, "
                f"or point {pointer} at yours"
            )
        super().__init__(text)


class BrokerRefused(StreamsError):
    """The broker answered, but refused or failed a request (a Kafka error code)."""

    def __init__(self, url: str, error: BaseException) -> None:
        self.url = url
        self.kind = type(error).__name__
        told = describe(error)  # aiokafka's own text may start with the kind already
        said = told if told.startswith(f"{self.kind}:") else f"{self.kind}: {told}"
        super().__init__(f"the broker at {url} refused: {said}")


class TopicMissing(StreamsError):
    """A topic to read does not exist (no worker has run there yet)."""

    def __init__(self, topic: str, url: str) -> None:
        self.topic = topic
        self.url = url
        super().__init__(f"no topic {topic!r} on {url}")


class TopicLayoutConflict(StreamsError):
    """Topics exist with other partition counts than the layout asks for."""


class TimedOut(StreamsError):
    """What was waited for did not come in time: a log read that stopped making progress,
    an update that never arrived."""


class ProcessFailed(StreamsError):
    """A process started here (the embedded broker, a worker, the web service) exited or
    never became ready; the message ends with its log's tail."""


class PortTaken(ProcessFailed):
    """The port asked for is in use: another broker (or anything else) listens there, and
    clients would silently reach it instead."""

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        super().__init__(
            f"port {port} on {host} is already in use (another broker?); stop it, use it with "
            f"--broker kafka://{host}:{port}, or pick another port with --port"
        )


class InvalidBrokerAddress(StreamsError):
    """A broker URL that names no ``HOST:PORT``."""


class BadSetting(StreamsError):
    """An environment variable a worker setting is read from holds a value it cannot take."""

    def __init__(self, name: str, value: object, why: str) -> None:
        self.name = name
        super().__init__(f"{name}={value!r}: {why}")


class FileUnreadable(StreamsError):
    """A file a tool was given cannot be read (missing, a folder, no permission)."""

    def __init__(self, path: str, why: str) -> None:
        self.path = path
        super().__init__(f"cannot read {path}: {why}")


def describe(error: BaseException) -> str:
    """What went wrong, never empty: the error's first line, or its kind when it has none."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


ErrorMap = Mapping[type[Exception], Callable[[Exception], StreamsError]]


@contextmanager
def map_exceptions(mapping: ErrorMap) -> Iterator[None]:
    """Raise ``mapping[kind](error)`` for an error of a kind in ``mapping`` (the most
    specific kind wins), chained to the original; anything else passes through unchanged,
    as in httpx's ``map_exceptions``."""
    try:
        yield
    except Exception as error:
        chosen: type[Exception] | None = None
        for kind in mapping:
            if isinstance(error, kind) and (chosen is None or issubclass(kind, chosen)):
                chosen = kind
        if chosen is None:
            raise
        raise mapping[chosen](error) from error


def os_errors(path: str) -> ErrorMap:
    """``OSError`` reading ``path`` as :class:`FileUnreadable`."""
    return {OSError: lambda error: FileUnreadable(path, _strerror(error))}


def _strerror(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or describe(error)
