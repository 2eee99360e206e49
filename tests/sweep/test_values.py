"""The text of swept values: lists, ranges, steps, durations; bad text named in the message."""

import pytest

from sandbox.sweep.values import parse_assignment, parse_values


@pytest.mark.parametrize(("text", "values"), [
    ("0.1,0.2,0.5", [0.1, 0.2, 0.5]),
    ("1..5", [1, 2, 3, 4, 5]),
    ("3..3", [3]),
    ("0..10/3", [0, 5, 10]),
    ("0.01..0.2/5", [0.01, 0.0575, 0.105, 0.1525, 0.2]),
    ("10ms..100ms/4", [10_000_000, 40_000_000, 70_000_000, 100_000_000]),
    ("1s,2s,500ms", [1_000_000_000, 2_000_000_000, 500_000_000]),
    ("true,false", [True, False]),
    ("fail_stop, fail_silent", ["fail_stop", "fail_silent"]),
    ("1..3,10", [1, 2, 3, 10]),
    ("-2..2", [-2, -1, 0, 1, 2]),
    ("none,7", [None, 7]),
])
def test_values_are_read_as_lists_ranges_steps_and_durations(text, values):
    assert parse_values(text) == values


def test_a_stepped_range_has_exact_ends_and_even_steps():
    values = parse_values("0.01..0.2/10")
    assert len(values) == 10 and values[0] == 0.01 and values[-1] == 0.2
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    assert max(steps) - min(steps) < 1e-12


@pytest.mark.parametrize(("text", "match"), [
    ("", "no values"),
    ("1..", "A..B"),
    ("0.1..0.2", "/N"),
    ("1s..2s", "/N"),
    ("a..b", "numbers or durations"),
    ("5..1", "smaller than its start"),
    ("1..2/0", "at least 1"),
    ("1..2/x", "whole number"),
    ("x,,y", "empty item"),
    ("1..10000000", "more than"),
    ("1e400", "finite"),
])
def test_bad_values_are_refused_naming_the_text(text, match):
    with pytest.raises(ValueError, match=match) as info:
        parse_values(text)
    if text:
        assert repr(text.split(",")[0]) in str(info.value) or repr(text) in str(info.value)


def test_an_assignment_is_a_path_and_its_values():
    assert parse_assignment("hosts[*].failures.mttr=1s..3s/3") == (
        "hosts[*].failures.mttr", [1_000_000_000, 2_000_000_000, 3_000_000_000])
    with pytest.raises(ValueError, match="PATH=VALUES"):
        parse_assignment("hosts[*].failures.mttr")
    with pytest.raises(ValueError, match=r"links\[a-b\].loss: .*'0.1..0.2'"):
        parse_assignment("links[a-b].loss=0.1..0.2")
