"""Protocol state (node.report_state) becomes trace events that the timeline replays, and
messages routed by type (node.on_message) reach their layer before the behaviour."""

from __future__ import annotations

import json

from sandbox.engine import Simulation
from sandbox.trace import JsonlSink, MemorySink, read_jsonl
from sandbox.trace.timeline import Timeline

from .helpers import MS, host, link, scen


def _run(gens, duration=10 * MS, faults=(), failures=None, sink=None):
    """Run idle hosts h0, h1 with ``gens[host](api)`` spawned on them; return (sim, events)."""
    hosts = [host(0, failures=failures), host(1)]
    s = scen(hosts, [link("h0", "h1")], duration=duration, faults=list(faults))
    mem = sink or MemorySink()
    sim = Simulation(s, mem)
    sim.start()
    for h, make in gens.items():
        sim.nodes[h].spawn(make(sim.nodes[h].api))
    sim.advance(duration)
    sim.finish()
    return sim, getattr(mem, "events", None)


def _states(events, h="h0"):
    return [(e.t, e.data) for e in events if e.kind == "state" and e.host == h]


def test_only_changed_fields_become_a_state_event():
    def proto(node):
        node.report_state(role="follower", term=0)
        yield from node.sleep(MS)
        node.report_state(role="follower", term=0)  # nothing changed: no event
        node.report_state(role="leader", term=0)  # only role changed
        yield from node.sleep(MS)
        node.report_state(members={"h1", "h0"}, path=("a", "b"), leader=None)
        yield from node.sleep(MS)
        node.report_state(role=None)  # cleared

    sim, events = _run({"h0": proto})
    assert sim.errors == []
    assert _states(events) == [
        (0, {"role": "follower", "term": 0}),
        (MS, {"role": "leader"}),
        (2 * MS, {"members": ["h0", "h1"], "path": ["a", "b"]}),  # a set is sorted
        (3 * MS, {"role": None}),
    ]


def test_a_value_the_trace_cannot_hold_is_a_behaviour_error_naming_the_field():
    def proto(node):
        node.report_state(role={"a": 1})
        yield from node.sleep(MS)

    sim, events = _run({"h0": proto})
    assert len(sim.errors) == 1 and "'role'" in sim.errors[0] and "dict" in sim.errors[0]
    assert _states(events) == []


def test_a_crash_clears_the_state_so_the_protocol_reports_it_again_after_recovery():
    def proto(node):
        node.report_state(role="leader")
        yield from node.sleep(100 * MS)

    faults = [{"kind": "crash", "host": "h0", "at": 2 * MS},
              {"kind": "recover", "host": "h0", "at": 4 * MS}]
    sim, events = _run({"h0": proto}, faults=faults)
    assert _states(events) == [(0, {"role": "leader"})]
    assert sim.nodes["h0"].shown == {}  # the engine forgot the reported state at the crash
    sim.nodes["h0"].api.report_state(role="leader")  # so the same value is an event again
    assert _states(events)[-1][1] == {"role": "leader"} and len(_states(events)) == 2


def test_on_message_takes_its_type_before_receive_and_a_crash_clears_it():
    got: dict[str, list] = {"layer": [], "receive": []}

    def receiver(node):
        node.handler = None  # the idle behaviour's handler would take every message
        node.on_message("layer_ping", lambda m: got["layer"].append(m.payload["n"]))
        while True:
            msg = yield from node.receive()
            got["receive"].append(msg.payload["n"])

    def sender(node):
        for n in range(4):
            node.send("h0", {"type": "layer_ping" if n % 2 else "plain", "n": n})
            yield from node.sleep(MS)

    faults = [{"kind": "crash", "host": "h0", "at": 9 * MS}]
    sim, _ = _run({"h0": receiver, "h1": sender}, faults=faults)
    assert got == {"layer": [1, 3], "receive": [0, 2]}
    assert sim.nodes["h0"].routes == {}  # the crash cleared the route


def test_on_message_none_stops_the_route():
    got = []

    def receiver(node):
        node.handler = None
        node.on_message("x", got.append)
        yield from node.sleep(int(1.5 * MS))
        node.on_message("x", None)
        while True:
            msg = yield from node.receive()
            got.append(("receive", msg.payload["n"]))

    def sender(node):
        for n in range(3):
            node.send("h0", {"type": "x", "n": n})
            yield from node.sleep(MS)

    _run({"h0": receiver, "h1": sender})
    assert len(got) == 3 and got[1:] == [("receive", 1), ("receive", 2)]


def _leader_run(tmp_path=None):
    def proto(node):
        node.report_state(role="follower", term=1)
        yield from node.sleep(2 * MS)
        node.report_state(role="leader", term=2)
        yield from node.sleep(100 * MS)

    faults = [{"kind": "crash", "host": "h0", "at": 6 * MS}]
    return _run({"h0": proto}, faults=faults)


def test_the_timeline_replays_protocol_state_at_any_time_and_a_crash_ends_it():
    sim, events = _leader_run()
    tl = Timeline(sim.header(), events)
    assert tl.host_states(MS).protocol == {"h0": {"role": "follower", "term": 1}}
    assert tl.host_states(3 * MS).protocol == {"h0": {"role": "leader", "term": 2}}
    assert tl.host_states(7 * MS).protocol == {}
    spans = tl.state_intervals("h0", "role")
    assert [(a, b, v) for a, b, v, _ in spans] == [(0, 2 * MS, "follower"),
                                                   (2 * MS, 6 * MS, "leader")]
    assert all(events[seq].kind == "state" for *_, seq in spans)
    assert tl.state_fields == ["role", "term"]
    assert tl.state_values("role") == ["follower", "leader"]
    assert tl.state_intervals("h1", "role") == []


def test_protocol_state_reads_back_the_same_from_a_jsonl_trace(tmp_path):
    sim, events = _leader_run()
    path = tmp_path / "t.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        sink = JsonlSink(fh)
        sink.open(sim.header())
        for ev in events:
            sink.write(ev)
        sink.close()
    header, back = read_jsonl(path)
    tl = Timeline(header, back)
    assert tl.state_intervals("h0", "term") == Timeline(sim.header(), events).state_intervals(
        "h0", "term")
    assert json.loads(path.read_text().splitlines()[1])["kind"] == "state"
