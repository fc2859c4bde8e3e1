"""The web read model on its own: records in, tie states and moments out (no broker)."""

from __future__ import annotations

import orjson
import pytest

from streams.web.model import Change, ReadModel
from tests.seed import SEED_TIE as TIE
from tracker import MatchEvent, TieState, evolve, new_tie
from tracker.moments import moments


def published(events: list[MatchEvent]) -> list[tuple[bytes, list[bytes]]]:
    """What the worker publishes for each accepted event: the tie state and its moments."""
    out: list[tuple[bytes, list[bytes]]] = []
    tie: TieState = new_tie(TIE)
    for event in events:
        before, tie = tie, evolve(tie, event)
        found = [m.model_dump_json().encode() for m in moments(before, tie, event)]
        out.append((tie.to_json().encode(), found))
    return out


def feed(model: ReadModel, updates: list[tuple[bytes, list[bytes]]]) -> None:
    for state, found in updates:
        model.apply_tie(state)
        for moment in found:
            model.apply_moment(moment)


def state(version: int, tie_id: str = TIE, **fields: object) -> bytes:
    return orjson.dumps({"tie_id": tie_id, "version": version, "status": "live", **fields})


def moment(version: int, kind: str = "goal", event_id: str = "e1", **fields: object) -> bytes:
    data = {"tie_id": TIE, "event_id": event_id, "version": version, "kind": kind, "text": "t"}
    return orjson.dumps({**data, **fields})


@pytest.fixture
def seed_updates(seed_events):
    return published(seed_events)


def test_the_seed_tie_fed_in_order_ends_as_the_worker_left_it(seed_updates):
    model = ReadModel()
    feed(model, seed_updates)
    final = orjson.loads(model.tie(TIE) or b"null")
    assert final["version"] == 22
    assert final["aggregate"] == {"LAFC": 2, "Inter Miami": 3}
    assert final["winner"] == "Inter Miami"
    assert model.tie(TIE) == seed_updates[-1][0]  # the published bytes, untouched


def test_an_update_not_newer_than_the_last_is_ignored(seed_updates):
    model = ReadModel()
    feed(model, seed_updates[:14])
    assert model.apply_tie(seed_updates[13][0]) is None  # the same version again
    assert model.apply_tie(seed_updates[5][0]) is None  # an older one, redelivered
    assert model.version(TIE) == 14
    assert model.counters.ties_stale == 2


def test_a_newer_update_replaces_the_state_and_is_told_to_listeners():
    model = ReadModel()
    told: list[Change] = []
    model.listeners.append(told.append)
    model.apply_tie(state(3))
    model.apply_tie(state(5))
    model.apply_tie(state(4))
    assert [(c.kind, c.version) for c in told] == [("tie", 3), ("tie", 5)]
    assert model.version(TIE) == 5


def test_fields_the_worker_adds_later_are_kept_and_served_as_published():
    model = ReadModel()
    record = state(7, complete=False, legs=[{"match_id": "m", "complete": False}])
    model.apply_tie(record)
    assert model.tie(TIE) == record
    assert orjson.loads(model.tie(TIE) or b"{}")["complete"] is False


def test_an_unknown_tie_has_no_state_and_no_moments():
    model = ReadModel()
    model.apply_tie(state(1))
    assert model.tie("somewhere-else") is None
    assert model.moments("somewhere-else") == []
    assert not model.is_known("somewhere-else")
    assert model.missed_since("somewhere-else", 0) == []


def test_a_redelivered_moment_without_an_id_counts_once_by_event_and_kind(seed_updates):
    model = ReadModel()
    feed(model, seed_updates)
    count = len(model.moments(TIE))
    feed(model, seed_updates)  # the whole output again, as after a worker restart
    assert len(model.moments(TIE)) == count
    assert model.counters.moments_duplicate == count


def test_moments_with_an_id_are_deduplicated_by_it_alone():
    model = ReadModel()
    model.apply_moment(moment(6, id="m-1"))
    model.apply_moment(moment(6, id="m-1"))
    model.apply_moment(moment(6, id="m-2"))  # same event and kind, another moment
    assert len(model.moments(TIE)) == 2


def test_moments_keep_the_order_they_happened_in(seed_updates):
    model = ReadModel()
    feed(model, seed_updates)
    texts = [orjson.loads(m)["text"] for m in model.moments(TIE)]
    redondo = texts.index("61' Redondo: 2-1, 2-2 on aggregate, LAFC through on away goals")
    offside = next(n for n, t in enumerate(texts) if "ruled out for offside" in t)
    assert texts[0] == "0' Kick-off"
    assert redondo < offside
    assert texts[-1] == "Inter Miami go through, 3-2 on aggregate"


@pytest.mark.parametrize(
    "record",
    [b"not json", b"[1, 2]", b'{"tie_id": "x"}', b'{"tie_id": "x", "version": true}'],
    ids=["not-json", "an-array", "no-version", "a-boolean-version"],
)
def test_a_record_that_is_not_a_tie_state_is_counted_and_ignored(record):
    model = ReadModel()
    assert model.apply_tie(record) is None
    assert model.apply_moment(record) is None
    assert len(model) == 0
    assert model.counters.records_invalid == 2


def test_ties_are_listed_live_first_then_scheduled_then_finished():
    model = ReadModel()
    model.apply_tie(state(1, "c-finished", status="finished"))
    model.apply_tie(state(1, "b-scheduled", status="scheduled"))
    model.apply_tie(state(1, "z-live", status="live"))
    model.apply_tie(state(1, "a-live", status="live"))
    order = [orjson.loads(t)["tie_id"] for t in model.ties()]
    assert order == ["a-live", "z-live", "b-scheduled", "c-finished"]


def test_a_client_resuming_live_gets_the_newer_state_and_only_the_moments_after_its_version():
    model = ReadModel()
    model.apply_tie(state(1))
    model.mark_caught_up()
    model.apply_tie(state(2))
    model.apply_moment(moment(2, event_id="e2"))
    model.apply_tie(state(3))
    model.apply_moment(moment(2, "lead_change", event_id="e2"))  # late, after version 3
    model.apply_moment(moment(3, event_id="e3"))
    missed = model.missed_since(TIE, 3)
    assert [(c.kind, c.version) for c in missed] == [("moment", 2), ("moment", 3)]
    missed = model.missed_since(TIE, 2)
    assert [(c.kind, c.version) for c in missed] == [
        ("tie", 3), ("moment", 2), ("moment", 2), ("moment", 3),
    ]  # fmt: skip


def test_a_client_resuming_from_a_version_this_model_did_not_send_live_gets_every_moment():
    model = ReadModel()
    model.apply_tie(state(1))
    model.apply_moment(moment(1, event_id="e1"))
    model.apply_tie(state(2))
    model.apply_moment(moment(2, event_id="e2"))
    model.mark_caught_up()
    missed = model.missed_since(TIE, 2)  # version 2 was read while catching up
    assert [(c.kind, c.version) for c in missed] == [("moment", 1), ("moment", 2)]


def test_a_client_whose_version_is_above_the_newest_is_from_another_history(seed_updates):
    model = ReadModel()
    feed(model, seed_updates)  # version 22
    model.mark_caught_up()
    assert model.is_resumable(TIE, 22)
    assert model.is_resumable(TIE, 14)
    assert not model.is_resumable(TIE, 23)  # a page left open across a restart of the demo
    assert not model.is_resumable(TIE, 999)


def test_a_client_that_saw_a_tie_this_model_never_saw_is_from_another_history():
    model = ReadModel()
    model.mark_caught_up()
    assert not model.is_resumable(TIE, 22)  # restarted: nothing of the tie published yet
    assert model.is_resumable(TIE, 0)
