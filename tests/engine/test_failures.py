"""Host failures: crashes and recovery, pause, timing and omission failures."""

from __future__ import annotations

import pytest

from .helpers import (
    MS,
    UNBOUNDED_SYNC,
    by_kind,
    check_trace,
    fate,
    host,
    link,
    run,
    scen,
    sends,
)

# -- crashes --------------------------------------------------------------------------------


def test_crash_loses_messages_to_the_host_and_recover_restarts_it():
    s = scen([host(0, "ping", interval="5ms"), host(1, "ping", interval="5ms")],
             [link("h0", "h1", mean=MS)], duration=600 * MS, model=UNBOUNDED_SYNC,
             faults=[{"kind": "crash", "host": "h1", "at": "200ms"},
                     {"kind": "recover", "host": "h1", "at": "400ms"}])
    _, ev, su = run(s)
    check_trace(s, ev, s.run.duration)
    assert [(e.t, e.host) for e in by_kind(ev, "crash")] == [(200 * MS, "h1")]
    assert [(e.t, e.host) for e in by_kind(ev, "recover")] == [(400 * MS, "h1")]
    end = fate(ev)
    to_h1 = sends(ev, "h0", "h1")
    during = [m for m in to_h1 if 200 * MS < m.t + MS < 400 * MS]
    assert len(during) > 20
    for m in during:
        assert end[m.msg].kind == "drop" and end[m.msg].data["reason"] == "crashed", end[m.msg]
        assert end[m.msg].t == m.t + MS
    outside = [m for m in to_h1 if m.t + MS < 200 * MS or 400 * MS < m.t < 599 * MS - MS]
    assert outside and all(end[m.msg].kind == "deliver" for m in outside)
    h1_sends = [e.t for e in sends(ev, "h1")]
    assert not [t for t in h1_sends if 200 * MS <= t < 400 * MS]
    assert len([t for t in h1_sends if t > 400 * MS]) > 20  # the behaviour started again
    assert not [e for e in ev if e.kind == "deliver" and e.host == "h1"
                and 200 * MS <= e.t < 400 * MS]
    assert su["dropped_by_reason"] == {"crashed": len(during)}


def test_crash_stop_host_stays_down():
    s = scen([host(0, "ping", interval="5ms"), host(1, "ping", interval="5ms")],
             [link("h0", "h1")], duration=500 * MS,
             faults=[{"kind": "crash", "host": "h0", "at": "100ms"}])
    _, ev, su = run(s)
    assert not [e for e in sends(ev, "h0") if e.t >= 100 * MS]
    assert su["crashes"] == 1 and su["recoveries"] == 0
    # Down for 400 of 1000 host-milliseconds.
    assert su["availability"] == pytest.approx(1 - 400 / 1000)


def test_volatile_state_lost_or_kept_across_a_crash():
    """An rr_client numbers its requests in node.state: kept state continues the numbering."""
    def numbers(state: str) -> list[int]:
        s = scen([host(0, "rr_client", server="h1", interval="10ms", timeout="5ms",
                       failures={"state_on_crash": state}), host(1, "rr_server")],
                 [link("h0", "h1")], duration=100 * MS,
                 faults=[{"kind": "crash", "host": "h0", "at": "45ms"},
                         {"kind": "recover", "host": "h0", "at": "55ms"}])
        _, ev, _ = run(s)
        return [int(e.data["payload"]["req"].split("-")[1]) for e in sends(ev, "h0")
                if e.data["payload"]["type"] == "request" and e.data["payload"]["try"] == 0]

    kept, lost = numbers("kept"), numbers("lost")
    assert len(kept) == 10  # every 10 ms: five before the crash at 45 ms, five after 55 ms
    assert kept == list(range(1, len(kept) + 1))  # 1..5 then 6..10: no number reused
    assert lost[:5] == [1, 2, 3, 4, 5] and lost[5] == 1  # counting starts again


# -- pause ----------------------------------------------------------------------------------


def test_pause_holds_a_host_until_resume():
    s = scen([host(0, "rr_client", server="h1", interval="10ms", timeout="2s", retries=0),
              host(1, "rr_server", service_time="1ms", service_dist="constant"),
              host(2, "ping", interval="5ms", peers=["h0"])],
             [link("h0", "h1"), link("h0", "h2")], duration=600 * MS, model=UNBOUNDED_SYNC,
             faults=[{"kind": "pause", "host": "h1", "at": "100ms", "duration": "200ms"},
                     {"kind": "pause", "host": "h2", "at": "100ms", "duration": "200ms"}])
    _, ev, _ = run(s)
    check_trace(s, ev, s.run.duration)
    assert sorted((e.host, e.t) for e in by_kind(ev, "pause")) == [("h1", 100 * MS),
                                                                   ("h2", 100 * MS)]
    assert sorted((e.host, e.t) for e in by_kind(ev, "resume")) == [("h1", 300 * MS),
                                                                    ("h2", 300 * MS)]
    # A paused host takes no step: it sends nothing.
    for h in ("h1", "h2"):
        assert not [e for e in sends(ev, h) if 100 * MS <= e.t < 300 * MS], h
    # Requests that reached the server during the pause are served after it.
    payload = {e.msg: e.data["payload"] for e in sends(ev)}
    arrived = {payload[e.msg]["req"]: e.t for e in by_kind(ev, "deliver", "h1")}
    replied = {e.data["payload"]["req"]: e.t for e in sends(ev, "h1")}
    held = [r for r, t in arrived.items() if 100 * MS <= t < 300 * MS]
    assert len(held) >= 15
    for r in held:
        assert replied[r] >= 300 * MS
    # and promptly: all within a few service times of the resume
    assert max(replied[r] for r in held) <= 300 * MS + (len(held) + 2) * MS
    # Outside the pause a request is answered after the service time.
    for r, t in arrived.items():
        if t < 99 * MS:
            assert replied[r] == t + MS


# -- timing and omission failures ------------------------------------------------------------


def test_timing_failure_makes_messages_late_by_the_slowdown():
    s = scen([host(0, "ping", interval="5ms"), host(1)],
             [link("h0", "h1", mean=2 * MS, timing_probability=1.0, timing_slowdown=4.0)],
             duration=200 * MS, model=UNBOUNDED_SYNC)
    _, ev, su = run(s)
    delivered = by_kind(ev, "deliver")
    assert delivered
    for e in delivered:
        assert e.data.get("late") is True
        assert 4 * 2 * MS <= e.data["latency"] <= 4 * 2 * MS + 1
    assert su["late"] == len(delivered)


@pytest.mark.parametrize("which", ["send_omission", "receive_omission"])
def test_omission_failures_drop_with_reason_omission(which):
    sender, receiver = host(0, "ping", interval="2ms"), host(1)
    target = sender if which == "send_omission" else receiver
    target["failures"] = {which: 1.0}
    s = scen([sender, receiver], [link("h0", "h1")], duration=100 * MS)
    _, ev, _ = run(s)
    end = fate(ev)
    assert len(end) > 20
    assert all(f.kind == "drop" and f.data["reason"] == "omission" for f in end.values())


def test_a_crash_probability_so_small_its_rate_underflows_crashes_nothing():
    from .helpers import S, host, link, run, scen

    s = scen([host(0, failures={"crash_probability": 5e-324, "crash_period": S}), host(1)],
             [link("h0", "h1")], duration=2 * S)
    _, events, _ = run(s)
    assert not [e for e in events if e.kind == "crash"]
