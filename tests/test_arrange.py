"""The layouts of Edit > Arrange (sandbox.scenario.arrange): no overlaps, boxes contain theirs."""

from __future__ import annotations

import itertools

import pytest

from sandbox.presets import list_presets
from sandbox.scenario import io
from sandbox.scenario.arrange import ARRANGEMENTS, Metrics, arrange, layout
from sandbox.scenario.model import Group, Host, Scenario

M = Metrics()


def card(x: float, y: float) -> tuple[float, float, float, float]:
    return (x - M.card_width / 2, y - M.card_height / 2, M.card_width, M.card_height)


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


def pasted(n: int, label: str = "Replica 4", behaviour: str = "idle") -> Scenario:
    """What n pastes at one spot leave: every host on the same place."""
    return Scenario(hosts=[Host(id=f"h{i}", label=label, x=100, y=100,
                                behaviour={"name": behaviour}) for i in range(n)])


def nested() -> Scenario:
    groups = [Group(id="region1", kind="region"), Group(id="dc1", kind="datacenter",
                                                        parent="region1"),
              Group(id="rack1", parent="dc1"), Group(id="rack2", parent="dc1"),
              Group(id="rack3")]
    hosts = [Host(id=f"h{i}", group=g) for i, g in enumerate(
        ["rack1"] * 3 + ["rack2"] * 2 + ["dc1", "region1", "rack3", None, None])]
    return Scenario(hosts=hosts, groups=groups)


def check(s: Scenario, how: str) -> None:
    hosts_at, groups_at = layout(s, how)
    cards = {hid: card(*xy) for hid, xy in hosts_at.items()}
    assert set(cards) == set(s.host_ids())
    for a, b in itertools.combinations(cards.values(), 2):
        assert not overlap(a, b)
    parent = {g.id: g.parent for g in s.groups}
    for h in s.hosts:  # every host inside its box, below the title band, outside the others
        for gid, rect in groups_at.items():
            chain, g = set(), h.group
            while g is not None:
                chain.add(g)
                g = parent[g]
            x, y, w, hh = rect
            if gid in chain:
                assert inside(cards[h.id], (x, y + M.header, w, hh - M.header)), (h.id, gid)
            else:
                assert not overlap(cards[h.id], rect), (h.id, gid)
    for a, b in itertools.combinations(s.groups, 2):
        ra, rb = groups_at[a.id], groups_at[b.id]
        if a.parent == b.id:
            assert inside(ra, rb)
        elif b.parent == a.id:
            assert inside(rb, ra)
        elif a.id not in _ancestors(b.id, parent) and b.id not in _ancestors(a.id, parent):
            assert not overlap(ra, rb), (a.id, b.id)


def _ancestors(gid: str, parent: dict[str, str | None]) -> set[str]:
    out, g = set(), parent[gid]
    while g is not None:
        out.add(g)
        g = parent[g]
    return out


@pytest.mark.parametrize("how", ARRANGEMENTS)
@pytest.mark.parametrize("n", [1, 2, 3, 5, 16, 40])
def test_pasted_copies_are_spread_without_overlap(how, n):
    check(pasted(n), how)


@pytest.mark.parametrize("how", ARRANGEMENTS)
def test_nested_groups_contain_their_hosts_and_boxes_never_overlap(how):
    check(nested(), how)


@pytest.mark.parametrize("how", ARRANGEMENTS)
@pytest.mark.parametrize("preset", [p for p, _t in list_presets()], ids=lambda p: p.stem)
def test_every_preset_arranges_cleanly_and_stays_valid(preset, how):
    s = io.load(preset)
    check(s, how)
    hosts, groups = arrange(s, how)
    again = Scenario.model_validate(s.model_copy(update={"hosts": hosts, "groups": groups})
                                    .model_dump())
    assert [h.group for h in again.hosts] == [h.group for h in s.hosts]  # membership kept
    assert [h.id for h in again.hosts] == s.host_ids()


def test_a_grid_is_about_square_and_starts_where_the_scenario_was():
    hosts_at, _ = layout(pasted(9), "grid")
    xs = sorted({x for x, _y in hosts_at.values()})
    ys = sorted({y for _x, y in hosts_at.values()})
    assert len(xs) == 3 and len(ys) == 3
    # the old top-left corner of the cards (100 - 78, 100 - 26), snapped to the grid
    assert min(xs) - M.card_width / 2 == pytest.approx(20, abs=M.snap)
    assert min(ys) - M.card_height / 2 == pytest.approx(80, abs=M.snap)


def test_a_circle_puts_the_hosts_at_one_distance_from_the_centre_first_at_the_top():
    hosts_at, _ = layout(pasted(8), "circle")
    points = [hosts_at[f"h{i}"] for i in range(8)]
    cx = sum(x for x, _ in points) / 8
    cy = sum(y for _, y in points) / 8
    radii = [((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for x, y in points]
    assert max(radii) - min(radii) <= 2  # rounded to whole units
    assert points[0][1] == min(y for _, y in points)  # the first is at the top
    assert points[2][0] > cx  # clockwise: a quarter on, to the right


def test_by_group_puts_each_behaviour_on_a_row_of_its_own():
    s = Scenario(hosts=[*pasted(3, behaviour="lamport").hosts,
                        *(h.model_copy(update={"id": f"s{i}"})
                          for i, h in enumerate(pasted(2, behaviour="gossip").hosts))])
    hosts_at, _ = layout(s, "by_group")
    assert len({hosts_at[f"h{i}"][1] for i in range(3)}) == 1
    assert len({hosts_at[f"s{i}"][1] for i in range(2)}) == 1
    assert hosts_at["s0"][1] > hosts_at["h0"][1]


def test_unmoved_objects_are_kept_and_the_result_is_the_same_each_time():
    s = nested()
    hosts, groups = arrange(s, "grid")
    arranged = s.model_copy(update={"hosts": hosts, "groups": groups})
    again_hosts, again_groups = arrange(arranged, "grid")
    assert all(a is b for a, b in zip(again_hosts, hosts, strict=True))
    assert all(a is b for a, b in zip(again_groups, groups, strict=True))
    assert arrange(s, "grid") == (hosts, groups)


def test_an_empty_scenario_and_an_unknown_arrangement():
    assert arrange(Scenario(), "circle") == ([], [])
    with pytest.raises(ValueError, match="unknown arrangement 'spiral'"):
        layout(Scenario(), "spiral")  # type: ignore[arg-type]
