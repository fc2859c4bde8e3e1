"""The wire format: validation errors name the field; the JSON Schema is generated."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from scripts.schema import SCHEMA_PATH, schema_text
from tracker import InvalidEvent, parse_event
from tracker.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_team_is_named_in_the_error():
    line = b'{"type":"goal_scored","event_id":"x","tie_id":"t","match_id":"m","seq":3}'
    with pytest.raises(InvalidEvent) as raised:
        parse_event(line)
    assert raised.value.field == "team"


def test_an_unknown_field_or_type_or_broken_json_is_refused():
    base = '"event_id":"x","tie_id":"t","match_id":"m","seq":3'
    with pytest.raises(InvalidEvent) as unknown_field:
        parse_event('{"type":"match_ended",' + base + ',"weather":"rain"}')
    assert unknown_field.value.field == "weather"
    with pytest.raises(InvalidEvent) as unknown_type:
        parse_event('{"type":"goal_celebrated",' + base + "}")
    assert unknown_type.value.field == "type"
    with pytest.raises(InvalidEvent) as broken:
        parse_event('{"type":')
    assert broken.value.field == "(json)"


@pytest.mark.parametrize(
    ("line", "kind"), [("[1,2]", "an array"), ("3", "a number"), ("null", "null")]
)
def test_a_line_that_is_json_but_not_an_object_is_named_as_a_whole_not_by_a_field(line, kind):
    with pytest.raises(InvalidEvent) as refused:
        parse_event(line)
    assert (refused.value.field, refused.value.reason) == (
        "(json)",
        f"expected a JSON object, got {kind}",
    )


def test_an_unknown_rules_preset_is_refused_with_the_known_names():
    line = (
        '{"type":"match_scheduled","event_id":"x","tie_id":"t","match_id":"m","seq":0,'
        '"home":"Inter Miami","away":"LAFC","rules":"copa-2099"}'
    )
    with pytest.raises(InvalidEvent) as raised:
        parse_event(line)
    assert raised.value.field == "rules"
    assert "concacaf-champions-cup-2025" in str(raised.value)


def test_events_are_frozen_and_named_in_the_past_tense():
    for model in EVENT_TYPES:
        assert model.model_config["frozen"] and model.model_config["extra"] == "forbid"
        assert model.__name__.endswith(("ed", "Taken", "Shown", "Made")), model.__name__


def test_the_committed_json_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text() == schema_text(), "run: python scripts/schema.py"
    schema = json.loads(SCHEMA_PATH.read_text())
    tags = set(schema["discriminator"]["mapping"])
    assert {"goal_scored", "goal_disallowed", "shootout_kick_taken", "event_retracted"} <= tags


def test_the_seed_files_validate_against_the_schema(seed_files):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    for path in seed_files:
        for line in path.read_text().splitlines():
            validator.validate(json.loads(line))


def test_the_domain_imports_nothing_but_the_standard_library_and_pydantic():
    allowed = {"pydantic", "tracker", "__future__"}
    stdlib = {
        "collections",
        "dataclasses",
        "datetime",
        "enum",
        "functools",
        "itertools",
        "re",
        "typing",
        "abc",
    }
    for path in (ROOT / "tracker").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root in allowed | stdlib, f"{path.name} imports {name}"
        assert "open(" not in path.read_text(), f"{path.name} does file I/O"
