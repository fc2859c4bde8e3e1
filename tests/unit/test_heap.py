"""The collector set for holding many ties, and set back after a benchmark's fold."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from streams.heap import THRESHOLDS, holding_many_ties


@pytest.fixture
def collector_as_python_starts() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


@pytest.mark.usefixtures("collector_as_python_starts")
def test_holding_many_ties_sets_aside_what_was_made_and_collects_less_often() -> None:
    made_before = [object() for _ in range(10)]
    with holding_many_ties():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() >= len(made_before)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector_as_python_starts")
def test_the_collector_is_set_back_when_the_fold_inside_fails() -> None:
    with pytest.raises(RuntimeError), holding_many_ties():
        raise RuntimeError("a fold that fails")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
