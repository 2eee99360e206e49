"""Broadcast with its ordering layer: best-effort and reliable dissemination, FIFO, causal and
total order (sequencer, Lamport), under loss, varied latency and crashes; their guarantees
checked on the trace, and each order seen to break with its layer off."""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

SEEDS = range(50)
IDS = ["h0", "h1", "h2", "h3"]


def _apps(events, name, at=None):
    return [e for e in by_kind(events, "app", at) if e.data["name"] == name]


def _bcast(ordering="none", mode="reliable", loss=0.2, count=3, n=4, faults=(),
           duration=3 * S // 2, interval=37 * MS):
    ids = IDS[:n] if n <= len(IDS) else [f"h{i}" for i in range(n)]
    hosts = [host(h, "broadcast", mode=mode, ordering=ordering, count=count, interval=interval)
             for h in ids]
    # Exponential latency of mean 20 ms: messages overtake one another often.
    return scen(hosts, mesh(ids, dist="exponential", mean=20 * MS, loss=loss),
                duration=duration, faults=list(faults))


def _verdicts(scenario, seed):
    sim, events, _ = run(scenario, seed=seed)
    return {v.name: v for v in run_checks(sim.header(), events)}, events


def _holds(ordering, names, mode="reliable", loss=0.2, faults=(), seeds=SEEDS):
    for seed in seeds:
        v, events = _verdicts(_bcast(ordering, mode, loss, faults=faults), seed)
        for name in names:
            assert v[name].promised, (ordering, name)
            assert v[name].ok, (ordering, seed, v[name].reason())
            assert v[name].checked > 0, (ordering, name)


def _breaks(ordering, name, mode="reliable", loss=0.2, seeds=range(20)) -> int:
    fails = 0
    for seed in seeds:
        v, _ = _verdicts(_bcast(ordering, mode, loss), seed)
        assert not v[name].promised
        fails += not v[name].ok
    return fails


# -- each order holds with its layer on ------------------------------------------------------


def test_causal_order_holds_with_the_causal_layer_under_loss_over_50_seeds():
    _holds("causal", ("broadcast.causal_order", "broadcast.fifo_order", "broadcast.agreement",
                      "broadcast.validity", "broadcast.integrity"))


def test_fifo_order_holds_with_the_fifo_layer_under_loss_over_50_seeds():
    _holds("fifo", ("broadcast.fifo_order", "broadcast.agreement", "broadcast.validity",
                    "broadcast.integrity"))


def test_total_order_by_a_sequencer_holds_under_loss_over_50_seeds():
    _holds("total_sequencer", ("broadcast.total_order", "broadcast.agreement",
                               "broadcast.validity", "broadcast.integrity"))


def test_total_order_by_lamport_timestamps_holds_under_loss_over_50_seeds():
    _holds("total_lamport", ("broadcast.total_order", "broadcast.causal_order",
                             "broadcast.fifo_order", "broadcast.agreement",
                             "broadcast.validity", "broadcast.integrity"))


# -- and breaks with it off ------------------------------------------------------------------


def test_without_the_causal_layer_deliveries_break_causal_order():
    assert _breaks("none", "broadcast.causal_order") >= 5
    assert _breaks("fifo", "broadcast.causal_order") >= 1  # FIFO is not enough


def test_without_the_fifo_layer_deliveries_break_fifo_order():
    assert _breaks("none", "broadcast.fifo_order") >= 5


def test_without_a_total_order_hosts_deliver_in_different_orders():
    assert _breaks("none", "broadcast.total_order") >= 5
    assert _breaks("causal", "broadcast.total_order") >= 5


# -- dissemination ---------------------------------------------------------------------------


def test_reliable_dissemination_of_the_layer_keeps_agreement_under_loss_over_50_seeds():
    # Above it, a FIFO layer (the order tests above check agreement under each ordering too).
    _holds("fifo", ("broadcast.agreement", "broadcast.validity"), loss=0.3)


def test_reliable_broadcast_without_ordering_keeps_agreement_under_loss_over_50_seeds():
    for seed in SEEDS:
        v, _ = _verdicts(_bcast("none", "reliable", loss=0.2), seed)
        for name in ("broadcast.agreement", "broadcast.validity", "broadcast.integrity"):
            assert v[name].promised and v[name].ok, (seed, name, v[name].reason())


def test_best_effort_broadcast_loses_agreement_under_loss():
    fails = 0
    for seed in range(20):
        v, _ = _verdicts(_bcast("none", "best_effort", loss=0.3), seed)
        assert not v["broadcast.agreement"].promised
        assert v["broadcast.integrity"].ok and v["broadcast.integrity"].promised
        fails += not v["broadcast.agreement"].ok
    assert fails >= 15


def test_causal_reliable_broadcast_survives_the_crash_of_an_origin():
    crash = [{"kind": "crash", "host": "h1", "at": "60ms"}]
    _holds("causal", ("broadcast.causal_order", "broadcast.agreement", "broadcast.validity"),
           faults=crash, seeds=range(20))


def test_a_total_order_does_not_promise_agreement_when_a_host_can_crash():
    crash = [{"kind": "crash", "host": "h0", "at": "60ms"}]
    v, _ = _verdicts(_bcast("total_sequencer", faults=crash), 1)
    assert not v["broadcast.agreement"].promised and not v["broadcast.validity"].promised
    assert v["broadcast.total_order"].promised and v["broadcast.total_order"].ok


# -- what it shows ---------------------------------------------------------------------------


def test_bcast_send_comes_before_every_delivery_and_carries_the_order_fields():
    _, events = _verdicts(_bcast("causal"), 3)
    sends = {e.data["id"]: e for e in _apps(events, "bcast_send")}
    assert len(sends) == 4 * 3
    for e in _apps(events, "bcast_deliver"):
        s = sends[e.data["id"]]
        assert s.seq < e.seq and s.host == e.data["origin"]
        assert e.data["seq"] == s.data["seq"] == int(e.data["id"].split("#")[1])
        assert isinstance(s.data["deps"], dict)


def test_ordering_none_writes_no_send_events_and_no_state():
    _, events = _verdicts(_bcast("none"), 3)
    assert not _apps(events, "bcast_send")
    assert not by_kind(events, "state")
    assert _apps(events, "bcast_deliver")


def test_state_reports_held_back_and_delivered_counts():
    _, events = _verdicts(_bcast("causal", loss=0.0), 2)
    for h in IDS:
        states = [e.data for e in by_kind(events, "state", h)]
        delivered = [d["delivered"] for d in states if "delivered" in d]
        assert delivered == sorted(delivered) and delivered[-1] == 4 * 3
        held = [d["held_back"] for d in states if "held_back" in d]
        assert held[0] == 0 and held[-1] == 0
    assert any(d.get("held_back", 0) > 0 for d in (e.data for e in by_kind(events, "state")))


def test_the_sequencer_is_shown_and_its_numbers_advance():
    _, events = _verdicts(_bcast("total_sequencer", loss=0.0), 2)
    for h in IDS:
        states = [e.data for e in by_kind(events, "state", h)]
        assert states[0]["sequencer"] == "h0"
        nxt = [d["next_seq"] for d in states if "next_seq" in d]
        assert nxt[0] == 1 and nxt[-1] == 4 * 3 + 1 and nxt == sorted(nxt)
    orders = [e.data["order"] for e in _apps(events, "bcast_deliver", "h2")]
    assert orders == list(range(1, 4 * 3 + 1))


def test_the_layer_ignores_odd_messages():
    """Messages without an id, of a stranger origin or with malformed order fields are dropped."""
    from sandbox.engine import Simulation
    from sandbox.engine.layers.broadcast import OrderedBroadcast
    from sandbox.trace import MemorySink

    got = []

    def stranger(node):
        yield from node.sleep(MS)
        for p in ({"type": "bcast"}, {"type": "bcast", "id": 3}, {"type": "bcast", "id": "x#1"},
                  {"type": "bcast", "id": "h0#1", "origin": "h9", "seq": 1, "deps": {}},
                  {"type": "bcast", "id": "h0#1", "origin": "h0", "seq": "one", "deps": {}},
                  {"type": "bcast", "id": "h0#2", "origin": "h0", "seq": 1, "deps": [1]},
                  {"type": "bcast", "id": "h0#3", "origin": "h0", "seq": 1, "deps": {"h1": "a"}},
                  {"type": "bcast_order", "id": "o", "seq": "x"}, {"type": "bcast_ack"},
                  "garbage"):
            node.send("h1", p)

    def member(node):
        OrderedBroadcast(node, lambda *a: got.append(a), ordering="causal", mode="reliable",
                         members=["h0", "h1"])
        while True:
            yield from node.receive()

    sim = Simulation(scen([host("h0"), host("h1")], mesh(["h0", "h1"])), MemorySink())
    sim.nodes["h0"].spawn(stranger(sim.nodes["h0"].api))
    sim.nodes["h1"].spawn(member(sim.nodes["h1"].api))
    sim.run()
    assert sim.errors == []
    assert got == []
