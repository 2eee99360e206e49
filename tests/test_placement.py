"""Tests of the DSM page placement (round robin, blocked, by capacity)."""

from __future__ import annotations

import pytest

from sandbox.scenario.model import Host, MemorySpec, Scenario
from sandbox.scenario.placement import page_counts, page_homes, page_homes_for


def _scenario(pages: int, placement: str, memory: dict[str, int]) -> Scenario:
    hosts = [Host(id=h, memory_pages=m) for h, m in memory.items()]
    return Scenario(hosts=hosts, memory=MemorySpec(pages=pages, placement=placement))


def test_round_robin_deals_pages_to_contributors_in_order():
    s = _scenario(7, "round_robin", {"a": 4, "b": 0, "c": 4})
    assert page_homes(s) == ["a", "c", "a", "c", "a", "c", "a"]


def test_blocked_gives_contiguous_equal_blocks():
    s = _scenario(7, "blocked", {"a": 1, "b": 1, "c": 1})
    assert page_homes(s) == ["a", "a", "a", "b", "b", "c", "c"]


def test_by_capacity_is_proportional_and_contiguous():
    s = _scenario(8, "by_capacity", {"a": 1, "b": 3})
    assert page_homes(s) == ["a", "a", "b", "b", "b", "b", "b", "b"]


def test_by_capacity_rounds_by_largest_remainder_and_covers_every_page():
    s = _scenario(10, "by_capacity", {"a": 1, "b": 1, "c": 1})
    homes = page_homes(s)
    assert len(homes) == 10
    assert page_counts(homes) == {"a": 4, "b": 3, "c": 3}


def test_no_contributor_means_every_host_contributes():
    for placement in ("round_robin", "blocked", "by_capacity"):
        s = _scenario(4, placement, {"a": 0, "b": 0})
        assert sorted(page_counts(page_homes(s)).items()) == [("a", 2), ("b", 2)]


def test_no_hosts_gives_no_homes():
    assert page_homes(Scenario()) == []


def test_unknown_placement_is_refused():
    with pytest.raises(ValueError, match="unknown placement"):
        page_homes_for([Host(id="a")], 3, "scatter")
