"""How every command ends: one line on stderr saying what happened, and the same exit codes.

0 done; 1 done, but bad input was found and skipped (or a wait ran out); 2 usage, file or
broker errors: any :class:`streams.errors.StreamsError` or :class:`tracker.TrackerError`;
130 interrupted (Ctrl-C, SIGTERM, or its terminal closing: SIGHUP). Never a traceback for
any of these: anything else is a bug, and shows its traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType

from streams.errors import BrokerUnavailable, StreamsError, describe
from tracker import TrackerError

DONE = 0
BAD_INPUT = 1
FAILED = 2
INTERRUPTED = 130


class ScriptFailure(StreamsError):
    """A failure the command explains in one line, with its exit code (a usage error, or
    nothing to do)."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        self.code = code
        super().__init__(message)


def failed(error: StreamsError) -> StreamsError:
    """A demo or benchmark that could not finish says ``failed: why``; a broker that went
    away keeps its own line, which also says what was done."""
    if isinstance(error, BrokerUnavailable):
        return error
    return ScriptFailure(f"failed: {describe(error)}")


def say(prog: str, text: str) -> None:
    print(f"{prog}: {text}", file=sys.stderr, flush=True)


def quiet_client_logs() -> None:
    """Kafka clients log every failed reconnect (hundreds of lines when a broker dies); the
    commands say what happened once, themselves. Also drops aiokafka's report of a
    connection left open by a client whose start was cut short (:class:`_StartCutShort`)."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(known, _StartCutShort) for known in asyncio_log.filters):
        asyncio_log.addFilter(_StartCutShort())


class _StartCutShort(logging.Filter):
    """aiokafka leaves the connection a client's start opened unclosed when the start is
    cut short (aio-libs/aiokafka#715), and reports it through asyncio's logger when the
    connection is collected. A command's client is cut short so only when the command
    ends (Ctrl-C or SIGTERM while it connects): two lines of noise after its own last
    line (seen in CI, a Ctrl-C during a replay's start)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Unclosed AIOKafkaConnection")


#: A line the Kafka client repeats is shown once in this many seconds by a service.
REPEATS_WINDOW_SECONDS = 30.0


def limit_repeated_client_logs(window: float = REPEATS_WINDOW_SECONDS) -> RepeatedLines:
    """For the services (worker, web), which keep the Kafka client's lines: each line it
    repeats is shown once a ``window``, then with how many like it were not. While the
    broker was down, every failed reconnect, metadata update and fetch was a line: 40 a
    second from the web service, 75 from a worker (4.8 and 9.5 kB/s). Call it once
    aiokafka is imported (its loggers are made then); returns the filter."""
    repeats = RepeatedLines(window)
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] == "aiokafka"]
    for name in ["aiokafka", *names]:
        logging.getLogger(name).addFilter(repeats)
    return repeats


class RepeatedLines(logging.Filter):
    """Passes the first record of each message (by logger and unformatted message) in a
    window of ``window`` seconds and drops the rest; the first one after a window that
    dropped some says how many."""

    #: Messages remembered at most (then forgotten all at once): a library that formats its
    #: messages itself makes a new one each time.
    KEPT = 1_000

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # when first, then dropped

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = (record.name, str(record.msg)), self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.window:
            self._seen[key] = (seen[0], seen[1] + 1)
            return False
        if len(self._seen) >= self.KEPT:
            self._seen.clear()
        self._seen[key] = (now, 0)
        if seen is not None and seen[1]:
            record.msg = (
                f"{record.msg} ({seen[1]} more like this in {now - seen[0]:.0f} s not shown)"
            )
        return True


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGHUP: stop as on Ctrl-C, through whatever handles Ctrl-C now. Inside
    ``asyncio.run`` that cancels the command's task and lets it end its clients; raised
    anywhere in the event loop, KeyboardInterrupt broke generators the loop was closing
    ("aclose(): asynchronous generator is already running", 2 of 8 SIGTERMs to a replay)."""
    if signum == signal.SIGHUP:  # the terminal is gone: what is written to it fails (EIO)
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                if os.isatty(stream.fileno()):
                    os.dup2(devnull, stream.fileno())
        os.close(devnull)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:
        raise KeyboardInterrupt


def run_script(
    prog: str,
    body: Callable[[], int],
    *,
    so_far: Callable[[], str | None] = lambda: None,
) -> int:
    """Run a command's body with the common endings: Ctrl-C or SIGTERM, or one of our errors
    (an unreachable broker, a missing topic, an unreadable file, a broken football rule...),
    each as one line on stderr ending with ``so_far()`` (what the command had done) where it
    says something."""
    quiet_client_logs()
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate),
        # Ctrl-C even where the script was started ignoring it (a `&` job of a shell script)
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    # Its terminal closed: stop as on SIGTERM (by default Python died on the spot, leaving
    # the broker's log folder behind), unless started to outlive it (nohup ignores it).
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, _terminate)

    def end(text: str, code: int, *, with_so_far: bool = True) -> int:
        done = so_far() if with_so_far else None
        say(prog, f"{text}; {done}" if done else text)
        return code

    try:
        return _ended(body, end)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ended(body: Callable[[], int], end: Callable[..., int]) -> int:
    try:
        return body()
    except KeyboardInterrupt:
        return end("interrupted", INTERRUPTED)
    except BrokerUnavailable as error:
        return end(str(error), FAILED, with_so_far=error.was_up)
    except ScriptFailure as error:
        return end(describe(error), error.code)
    except (StreamsError, TrackerError) as error:
        return end(describe(error), FAILED)
    except BrokenPipeError:  # the reader went away (| head): nothing more to say to it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return DONE
