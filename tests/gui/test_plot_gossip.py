"""The gossip page: infection curves of a hand-made gossip run, of a real run, the empty page
of a run without gossip, and the light and dark themes."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.gui.plots import PlotsPanel
from sandbox.gui.plots.gossip import GossipPage, infection_curves
from sandbox.gui.theme import dark_palette, light_palette
from sandbox.trace import TraceEvent

MS = 1_000_000


def _header(n=4, kept=()):
    hosts = []
    for i in range(n):
        h = {"id": f"h{i}", "behaviour": {"name": "gossip", "params": {}}}
        if f"h{i}" in kept:
            h["failures"] = {"state_on_crash": "kept"}
        hosts.append(h)
    hosts.append({"id": "x", "behaviour": {"name": "idle", "params": {}}})
    return {"scenario": {"hosts": hosts, "run": {"duration": 1000 * MS}}}


def _events(rows):
    out = []
    for i, (t, h, name, values) in enumerate(rows):
        if name == "crash":
            out.append(TraceEvent(i, t * MS, "crash", h, t * MS))
        else:
            out.append(TraceEvent(i, t * MS, "app", h, t * MS, None, None,
                                  {"name": name, **values}))
    return out


def inf(t, h, rid, src):
    return (t, h, "gossip_infected", {"rumour": rid, "from": src, "round": 1, "hops": 1})


#: Two rumours: a:1 reaches every gossip host by 300 ms; h3:1 reaches two hosts, and a
#: crash of h1 (state lost) makes it forget a:1 at 500 ms.
ROWS = [(100, "h0", "gossip_start", {"rumour": "a:1"}), inf(200, "h1", "a:1", "h0"),
        (250, "h3", "gossip_start", {"rumour": "h3:1"}), inf(260, "h2", "a:1", "h0"),
        inf(300, "h3", "a:1", "h1"), inf(300, "h3", "a:1", "h2"),  # the second is not new
        inf(400, "h0", "h3:1", "h3"), (450, "h1", "send", {}), (500, "h1", "crash", {})]


def _rows():
    return [r for r in ROWS if r[2] != "send"]


def test_the_series_counts_the_hosts_that_know_each_rumour():
    data = infection_curves(_header(), _events(_rows()))
    assert data.hosts == 4  # x does not gossip
    assert list(data.curves) == ["a:1", "h3:1"]
    t, n = data.curves["a:1"]
    assert t.tolist() == [100 * MS, 100 * MS, 200 * MS, 260 * MS, 300 * MS, 500 * MS]
    assert n.tolist() == [0, 1, 2, 3, 4, 3]
    t, n = data.curves["h3:1"]
    assert t.tolist() == [250 * MS, 250 * MS, 400 * MS] and n.tolist() == [0, 1, 2]


def test_a_host_that_keeps_its_state_does_not_forget_in_a_crash():
    data = infection_curves(_header(kept=("h1",)), _events(_rows()))
    assert data.curves["a:1"][1].tolist() == [0, 1, 2, 3, 4]


@pytest.fixture
def panel(qtbot):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(900, 560)
    p.show()
    qtbot.waitExposed(p)
    return p


def _value_at(series, t_s):
    """The step value of an exported series at time ``t_s`` (s)."""
    i = int(np.searchsorted(series.x, t_s, side="right")) - 1
    return series.y[i] if i >= 0 else 0


def test_the_page_shows_the_counts_of_a_hand_made_run(panel):
    panel.set_trace(_header(), _events(_rows()))
    page = panel.page("gossip")
    assert isinstance(page, GossipPage) and page.placeholder_text is None
    series = {s.name: s for s in panel.series("gossip")}
    assert set(series) == {"a:1", "h3:1"}
    a = series["a:1"]
    assert [_value_at(a, t) for t in (0.05, 0.15, 0.21, 0.27, 0.35, 0.6)] == [0, 1, 2, 3, 4, 3]
    assert _value_at(series["h3:1"], 0.45) == 2
    # the drawn curves hold the same steps, up to the end of the run
    x, y = page._curves[0].getData()
    assert x[-1] == pytest.approx(1.0) and y[-1] == 3 and y.max() == 4
    assert "h3:1 (2)" in page.summary() and "a:1 (3)" in page.summary()
    assert panel.suggested_plot() == "gossip"
    # the time cursor of the page follows the panel's
    panel.set_time(300 * MS)
    assert page.cursors[0].value() == pytest.approx(0.3)


def test_a_run_without_gossip_shows_a_short_message(panel):
    header = {"scenario": {"hosts": [{"id": "h0", "behaviour": {"name": "idle"}}],
                           "run": {"duration": MS}}}
    panel.set_trace(header, _events([(0, "h0", "request", {"id": 1})]))
    page = panel.page("gossip")
    assert page.placeholder_text is not None and "rumour" in page.placeholder_text
    assert panel.series("gossip") == []


def test_a_real_gossip_run_reaches_every_host(panel):
    from sandbox.gui.run_controller import run_scenario
    from sandbox.scenario import scenario_from_dict

    ids = [f"h{i}" for i in range(8)]
    data = {"hosts": [{"id": h, "behaviour": {"name": "gossip", "params": {
        "mode": "push_pull", "stop": "rounds", "rumours": 1 if h == "h0" else 0,
        "round": "20ms", "start": "10ms"}}} for h in ids],
        "links": [{"a": a, "b": b} for i, a in enumerate(ids) for b in ids[i + 1:]],
        "run": {"duration": "1s", "seed": 3}}
    result = run_scenario(scenario_from_dict(data))
    panel.set_trace(result.header, result.events)
    (s,) = panel.series("gossip")
    assert s.name == "h0:1" and s.y[-1] == 8 and list(s.y) == sorted(s.y)


def test_light_and_dark_screenshots(panel, tmp_path):
    panel.set_trace(_header(), _events(_rows()))
    panel.show_plot("gossip")
    page = panel.page("gossip")
    for name, palette in (("light", light_palette()), ("dark", dark_palette())):
        panel.setPalette(palette)
        bg = page.plot_area.backgroundBrush().color()
        assert bg == palette.color(palette.ColorRole.Base)
        image = panel.grab()
        image.save(str(tmp_path / f"gossip_{name}.png"))
        image.save(f"/tmp/gossip_{name}.png")
        assert not image.isNull()
