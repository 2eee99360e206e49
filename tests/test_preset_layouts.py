"""Preset layouts: no two host cards overlap on the canvas (the cards' real size)."""

from __future__ import annotations

from itertools import combinations

import pytest

from sandbox.presets import list_presets
from sandbox.scenario.io import load

pytest.importorskip("PySide6")

from sandbox.gui.canvas.items import HOST_HEIGHT, HOST_WIDTH  # noqa: E402

#: Room kept between two cards (their shadow and selection glow reach 4 px out).
MARGIN = 8.0


def card(host) -> tuple[float, float, float, float]:
    """The card of a host on the canvas: it is centred on the host's position."""
    return (host.x - HOST_WIDTH / 2, host.y - HOST_HEIGHT / 2,
            host.x + HOST_WIDTH / 2, host.y + HOST_HEIGHT / 2)


def overlap(a, b, margin: float) -> bool:
    return (a[0] < b[2] + margin and b[0] < a[2] + margin
            and a[1] < b[3] + margin and b[1] < a[3] + margin)


@pytest.mark.parametrize("path", [p for p, _title in list_presets()], ids=lambda p: p.stem)
def test_no_host_cards_overlap(path):
    name = path.stem
    scenario = load(path)
    clashes = [(a.id, b.id) for a, b in combinations(scenario.hosts, 2)
               if overlap(card(a), card(b), MARGIN)]
    assert not clashes, f"{name}: host cards overlap: {clashes}"


def test_the_overlap_check_sees_an_overlap():
    class H:
        def __init__(self, x, y):
            self.x, self.y = x, y
    assert overlap(card(H(0, 0)), card(H(HOST_WIDTH - 10, 0)), MARGIN)
    assert not overlap(card(H(0, 0)), card(H(HOST_WIDTH + 20, 0)), MARGIN)
