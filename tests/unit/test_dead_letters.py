"""Reading dead letters of every format the worker has written, and what an operator sees."""

from __future__ import annotations

import base64
import hashlib

import orjson

from streams.clients.deadletters import DeadLetter, tally
from streams.codecs import dead_letter
from tests.seed import SEED_TIE

GOAL = (
    b'{"event_id": "leg2-002", "tie_id": "2025-concacaf-qf-lafc-inter-miami", "match_id": '
    b'"leg2", "seq": 2, "type": "goal_scored", "minute": 9, "team": "Seattle Sounders", '
    b'"scorer": "Aaron Long"}'
)


def test_a_dead_letter_of_the_first_format_shows_reason_field_source_and_bytes():
    record = dead_letter(
        GOAL, reason="rule_violation", error="UnknownTeam: 'Seattle Sounders'", field="team",
        topic="match-events", partition=5, offset=17, key=b"2025-concacaf-qf-lafc-inter-miami",
    )  # fmt: skip
    letter = DeadLetter.from_record(record, 0, 3)
    assert (letter.reason, letter.field, letter.source) == (
        "rule_violation",
        "team",
        "match-events[5]@17",
    )
    assert letter.original == GOAL
    assert (letter.size, letter.sha256) == (len(GOAL), hashlib.sha256(GOAL).hexdigest())
    text = "\n".join(letter.lines())
    assert text.startswith("#0@3  rule_violation  field 'team'  from match-events[5]@17  key ")
    assert "Seattle Sounders" in text
    assert f"original ({len(GOAL)} bytes, sha256 {hashlib.sha256(GOAL).hexdigest()[:16]}…)" in text


def test_a_dead_letter_of_the_current_format_keeps_size_hash_and_ids_of_a_truncated_original():
    whole = GOAL + b" " * 5000
    kept = whole[:2048]
    record = orjson.dumps(
        {
            "reason": "too_large", "error": "5,1xx bytes", "field": None, "topic": "match-events",
            "partition": 1, "offset": 4, "key": None, "size": len(whole),
            "sha256": hashlib.sha256(whole).hexdigest(), "original": kept.decode(),
            "original_base64": base64.b64encode(kept).decode(), "truncated": True,
            "event_id": "leg2-002", "match_id": "leg2", "tie_id": SEED_TIE,
        }
    )  # fmt: skip
    letter = DeadLetter.from_record(record, 0, 9)
    assert (letter.size, letter.truncated, len(letter.original)) == (len(whole), True, 2048)
    assert letter.to_json()["sha256"] == hashlib.sha256(whole).hexdigest()
    text = "\n".join(letter.lines())
    assert f"original ({len(whole)} bytes, first 2048 kept" in text
    assert "event leg2-002, match leg2, tie 2025-concacaf-qf-lafc-inter-miami" in text
    assert letter.preview().endswith("…")


def test_bytes_that_are_not_utf8_are_previewed_escaped_not_dropped():
    record = dead_letter(
        b"caf\xe9 \x00", reason="invalid_event", error="not JSON", field="(json)",
        topic="match-events", partition=0, offset=0, key=None,
    )  # fmt: skip
    letter = DeadLetter.from_record(record, 0, 0)
    assert letter.original == b"caf\xe9 \x00"
    assert letter.preview() == "caf\\xe9 \\x00"


def test_a_record_that_is_not_a_dead_letter_is_shown_rather_than_hidden():
    letter = DeadLetter.from_record(b"Inter Miami 3-2 LAFC", 0, 1)
    assert letter.reason == "(not a dead-letter record)"
    assert letter.preview() == "Inter Miami 3-2 LAFC"
    assert tally([letter, letter]) == "2 dead letter(s): (not a dead-letter record) 2"
