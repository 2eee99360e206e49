"""Automatic layouts of a topology: hosts on a grid, on a circle or in rows by role, in group boxes.

These are pure functions on the scenario model (the editor's Edit > Arrange
makes one undoable edit of their result). Every layout keeps each host in the
group it is in (the grouping decides latencies, so it is never changed) and
works from the inside out: the hosts directly in a group are placed, the
group's nested groups are laid out as blocks beside them, and the box is then
sized to contain them all, with room for its title. Boxes of one level never
overlap, and the top level is laid out the same way, from the top-left corner
of what the scenario covered before, so the picture stays where it was.

The ways of placing the hosts directly in one box (or at the top level):

* ``grid``: rows and columns, about as many of each;
* ``circle``: evenly on a ring, the first at the top, clockwise;
* ``by_group``: one row per behaviour (clients in a row, servers in the
  next ...), the boxes side by side in one row.

The result is the same for the same scenario: no randomness, scenario order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .model import Group, Host, Scenario

__all__ = ["ARRANGEMENTS", "Arrangement", "Metrics", "arrange", "layout"]

#: How the hosts may be arranged.
Arrangement = Literal["grid", "circle", "by_group"]
#: Every arrangement, in menu order.
ARRANGEMENTS: tuple[Arrangement, ...] = ("grid", "circle", "by_group")


@dataclass(frozen=True)
class Metrics:
    """Sizes the layout works with, in scene units.

    A host's position is the centre of its card (``card_width`` x
    ``card_height``); a group's is its top-left corner. The editor passes the
    sizes its cards and boxes are drawn with.
    """

    card_width: float = 156.0
    card_height: float = 52.0
    #: Free space between two cards side by side, and between two rows.
    gap_x: float = 44.0
    gap_y: float = 48.0
    #: Room inside a box around what it holds, and the height of its title band on top.
    padding: float = 24.0
    header: float = 32.0
    #: Free space between two boxes.
    box_gap: float = 40.0
    #: Positions are rounded to multiples of this (the canvas grid), 0 for none.
    snap: float = 20.0


@dataclass
class _Block:
    """What was laid out in one box (or at the top level), relative to its top-left corner."""

    width: float = 0.0
    height: float = 0.0
    hosts: dict[str, tuple[float, float]] = field(default_factory=dict)
    groups: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def place(self, other: _Block, dx: float, dy: float) -> None:
        """Copy ``other``'s contents in, shifted by (dx, dy)."""
        for hid, (x, y) in other.hosts.items():
            self.hosts[hid] = (x + dx, y + dy)
        for gid, (x, y, w, h) in other.groups.items():
            self.groups[gid] = (x + dx, y + dy, w, h)


def _snap(value: float, step: float) -> float:
    return round(value / step) * step if step > 0 else float(value)


def _snap_up(value: float, step: float) -> float:
    return math.ceil(value / step) * step if step > 0 else float(value)


def _hosts_block(hosts: Sequence[Host], how: Arrangement, m: Metrics) -> _Block:
    """The hosts directly in one box placed the way ``how`` says, from (0, 0)."""
    block = _Block()
    if not hosts:
        return block
    cw, ch = m.card_width + m.gap_x, m.card_height + m.gap_y
    if how == "circle" and len(hosts) > 2:
        n = len(hosts)
        # neighbours on the ring are a card and a gap apart, centre to centre
        radius = max(cw, ch) / (2 * math.sin(math.pi / n))
        cx, cy = radius + m.card_width / 2, radius + m.card_height / 2
        for i, h in enumerate(hosts):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            block.hosts[h.id] = (round(cx + radius * math.cos(angle)),
                                 round(cy + radius * math.sin(angle)))
        block.width, block.height = 2 * radius + m.card_width, 2 * radius + m.card_height
        return block
    if how == "by_group":
        rows: dict[str, list[Host]] = {}
        for h in hosts:
            rows.setdefault(h.behaviour.name, []).append(h)
        wrap = max(4, math.ceil(math.sqrt(len(hosts))))
        lines = [row[i:i + wrap] for row in rows.values() for i in range(0, len(row), wrap)]
    else:  # grid (and a circle of one or two hosts: a row)
        columns = math.ceil(math.sqrt(len(hosts)))
        lines = [list(hosts[i:i + columns]) for i in range(0, len(hosts), columns)]
    for r, line in enumerate(lines):
        for c, h in enumerate(line):
            block.hosts[h.id] = (_snap(c * cw + m.card_width / 2, m.snap),
                                 _snap(r * ch + m.card_height / 2, m.snap))
    block.width = max(len(line) for line in lines) * cw - m.gap_x
    block.height = len(lines) * ch - m.gap_y
    return block


def _shelves(blocks: Sequence[tuple[str | None, _Block]], limit: float, gap: float
             ) -> tuple[list[tuple[str | None, _Block, float, float]], float, float]:
    """Blocks placed left to right in rows no wider than ``limit`` (a wider block gets a row of
    its own): (key, block, x, y) each, and the width and height used."""
    placed = []
    x = y = row_height = width = 0.0
    for key, block in blocks:
        if x > 0 and x + block.width > limit:
            x, y = 0.0, y + row_height + gap
            row_height = 0.0
        placed.append((key, block, x, y))
        width = max(width, x + block.width)
        row_height = max(row_height, block.height)
        x += block.width + gap
    return placed, width, y + row_height if placed else 0.0


def _container(hosts: Sequence[Host], child_blocks: Sequence[tuple[str, _Block]],
               how: Arrangement, m: Metrics) -> _Block:
    """Hosts (placed ``how``) and the blocks of nested groups below them, from (0, 0)."""
    out = _Block()
    inner = _hosts_block(hosts, how, m)
    out.place(inner, 0.0, 0.0)
    top = inner.height + m.box_gap if inner.hosts else 0.0
    if child_blocks:
        if how == "by_group":
            limit = math.inf
        else:
            area = sum((b.width + m.box_gap) * (b.height + m.box_gap) for _k, b in child_blocks)
            widest = max(b.width for _k, b in child_blocks)
            limit = max(inner.width, widest, math.sqrt(area) * 1.5)
        placed, width, height = _shelves(child_blocks, limit, m.box_gap)
        for _key, block, x, y in placed:
            out.place(block, x, _snap(top + y, m.snap))
        out.width = max(inner.width, width)
        out.height = _snap_up(top + height, m.snap)
    else:
        out.width, out.height = inner.width, inner.height
    return out


def layout(scenario: Scenario, how: Arrangement = "grid", metrics: Metrics | None = None
           ) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float, float, float]]]:
    """Where ``how`` puts every host (id -> centre) and group (id -> x, y, width, height)."""
    if how not in ARRANGEMENTS:
        raise ValueError(f"unknown arrangement {how!r} (known: {', '.join(ARRANGEMENTS)})")
    m = metrics or Metrics()
    group_ids = {g.id for g in scenario.groups}
    children: dict[str | None, list[Group]] = {}
    for g in scenario.groups:
        parent = g.parent if g.parent in group_ids and g.parent != g.id else None
        children.setdefault(parent, []).append(g)
    members: dict[str | None, list[Host]] = {}
    for h in scenario.hosts:
        members.setdefault(h.group if h.group in group_ids else None, []).append(h)

    def box(g: Group, seen: frozenset[str]) -> _Block:
        inside = [c for c in children.get(g.id, []) if c.id not in seen]
        content = _container(members.get(g.id, []),
                             [(c.id, box(c, seen | {c.id})) for c in inside], how, m)
        out = _Block()
        out.place(content, m.padding, m.padding + m.header)
        out.width = _snap_up(max(content.width, m.card_width) + 2 * m.padding, m.snap)
        out.height = _snap_up(content.height + 2 * m.padding + m.header, m.snap)
        out.groups[g.id] = (0.0, 0.0, out.width, out.height)
        return out

    top = _container(members.get(None, []),
                     [(g.id, box(g, frozenset({g.id}))) for g in children.get(None, [])], how, m)
    ox, oy = _origin(scenario, m)
    result = _Block()
    result.place(top, ox, oy)
    return result.hosts, result.groups


def _origin(scenario: Scenario, m: Metrics) -> tuple[float, float]:
    """The top-left corner of what the scenario covers (hosts' cards and group boxes)."""
    xs = [h.x - m.card_width / 2 for h in scenario.hosts] + [g.x for g in scenario.groups]
    ys = [h.y - m.card_height / 2 for h in scenario.hosts] + [g.y for g in scenario.groups]
    if not xs:
        return 0.0, 0.0
    return _snap(min(xs), m.snap), _snap(min(ys), m.snap)


def arrange(scenario: Scenario, how: Arrangement = "grid", metrics: Metrics | None = None
            ) -> tuple[list[Host], list[Group]]:
    """The scenario's hosts and groups laid out ``how``, in their order.

    A host or group that does not move is the very object of the scenario
    (``is`` tells what changed); the others are copies with the new position
    (and, for a group, size). Nothing else of them changes.
    """
    hosts_at, groups_at = layout(scenario, how, metrics)
    hosts = []
    for h in scenario.hosts:
        x, y = hosts_at.get(h.id, (h.x, h.y))
        hosts.append(h if (h.x, h.y) == (x, y) else h.model_copy(update={"x": x, "y": y}))
    groups = []
    for g in scenario.groups:
        x, y, w, hh = groups_at.get(g.id, (g.x, g.y, g.width, g.height))
        same = (g.x, g.y, g.width, g.height) == (x, y, w, hh)
        groups.append(g if same else g.model_copy(update={"x": x, "y": y, "width": w,
                                                          "height": hh}))
    return hosts, groups
