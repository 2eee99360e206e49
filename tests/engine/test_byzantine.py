"""Byzantine hosts: corrupted, replayed, equivocating messages and forged clocks."""

from __future__ import annotations

from .helpers import (
    MS,
    UNBOUNDED_SYNC,
    S,
    by_kind,
    fate,
    host,
    link,
    run,
    scen,
    sends,
)

# -- Byzantine -------------------------------------------------------------------------------


def test_byzantine_corrupt_marks_and_changes_messages():
    s = scen([host(0, "ping", interval="5ms"), host(1)], [link("h0", "h1")],
             duration=300 * MS,
             faults=[{"kind": "byzantine", "host": "h0", "at": "100ms", "behaviour": "corrupt"}])
    _, ev, _ = run(s)
    assert [(e.host, e.t) for e in by_kind(ev, "byzantine")] == [("h0", 100 * MS)]
    out = sends(ev, "h0")
    end = fate(ev)
    for k, e in enumerate(out):
        if e.t < 100 * MS:
            assert "byz" not in e.data and e.data["payload"] == {"type": "ping", "n": k}
        else:
            assert e.data["byz"] == "corrupt"
            assert e.data["payload"]["type"] == "ping"
            assert e.data["payload"]["n"] != k  # the number was changed
            if e.msg in end and end[e.msg].kind == "deliver":
                assert end[e.msg].data.get("byz") == "corrupt"
    assert sum(1 for e in out if e.t >= 100 * MS) > 20


def test_byzantine_replay_resends_an_earlier_message():
    s = scen([host(0, "ping", interval="5ms"), host(1)], [link("h0", "h1")],
             duration=300 * MS,
             faults=[{"kind": "byzantine", "host": "h0", "at": "100ms", "behaviour": "replay",
                      "probability": 0.5}])
    _, ev, _ = run(s)
    out = sends(ev, "h0")
    replayed = [(k, e) for k, e in enumerate(out) if e.data.get("byz") == "replay"]
    assert len(replayed) > 5
    for k, e in replayed:
        n = e.data["payload"]["n"]
        assert n < k  # an old ping again, not the current one
        assert e.data["payload"] == {"type": "ping", "n": n}


def test_byzantine_time_server_forges_its_clock():
    s = scen([host(0, "time_server", failures={"byzantine_probability": 1.0,
                                               "byzantine_behaviour": "forge_clock"}),
              host(1, "cristian", server="h0", interval="100ms")],
             [link("h0", "h1")], duration=S, model=UNBOUNDED_SYNC)
    sim, ev, _ = run(s)
    reps = sends(ev, "h0")
    assert len(reps) >= 9
    for e in reps:
        assert e.data["byz"] == "forge_clock"
        # the server's clock is perfect: a forged reading is off by 100 ms to 2 s
        assert 100 * MS <= abs(e.data["payload"]["time"] - e.t) <= 2 * S
    # The honest client believes it and its clock goes wrong.
    assert abs(sim.clocks["h1"].offset(S)) >= 100 * MS - 2 * MS


def test_byzantine_probability_from_the_host_spec():
    s = scen([host(0, "ping", interval="1ms", failures={"byzantine_probability": 0.5,
                                                        "byzantine_behaviour": "equivocate"}),
              host(1)], [link("h0", "h1")], duration=1000 * MS)
    _, ev, _ = run(s)
    out = sends(ev, "h0")
    n = len(out)
    byz = [e for e in out if e.data.get("byz")]
    assert all(e.data["byz"] == "equivocate" and "value" in e.data["payload"] for e in byz)
    p = len(byz) / n
    assert abs(p - 0.5) < 5 * (0.25 / n) ** 0.5
