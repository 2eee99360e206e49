"""The built-in behaviours: failure detection, broadcast, request/reply and the workload."""

from __future__ import annotations

from collections import defaultdict

from .helpers import (
    MS,
    UNBOUNDED_SYNC,
    US,
    S,
    by_kind,
    host,
    link,
    mesh,
    run,
    scen,
    sends,
)

# -- failure detection ----------------------------------------------------------------------


def detector_run(synchrony: dict, *, crash_mode="fail_silent", timeout="150ms", crash=True,
                 seed=None, duration=2 * S):
    ids = [f"h{i}" for i in range(4)]
    hosts = [host(h, "heartbeat", interval="50ms", timeout=timeout) for h in ids]
    hosts[3]["failures"] = {"crash_mode": crash_mode}
    faults = [{"kind": "crash", "host": "h3", "at": "500ms"}] if crash else []
    s = scen(hosts, mesh(ids, dist="exponential", mean=2 * MS), duration=duration,
             model=synchrony, faults=faults)
    _, ev, su = run(s, seed=seed)
    return ev, su


SYNC = {"synchrony": "synchronous", "delivery_bound": "10ms"}
ASYNC_HEAVY = {"synchrony": "asynchronous", "async_tail": 1.1}


def test_heartbeat_detector_is_exact_in_the_synchronous_model():
    for seed in (1, 2, 3):
        ev, su = detector_run(SYNC, seed=seed)
        sus = by_kind(ev, "suspect")
        assert sorted(e.host for e in sus) == ["h0", "h1", "h2"]  # complete
        for e in sus:  # accurate: only the crashed host, only after its crash
            assert e.data["target"] == "h3" and e.data["correct"] is True
            assert 500 * MS < e.t <= 500 * MS + 150 * MS + 50 * MS + 10 * MS
        assert not by_kind(ev, "unsuspect")
        assert su["false_suspicions"] == 0


def test_heartbeat_detector_makes_false_suspicions_when_asynchronous():
    ev, su = detector_run(ASYNC_HEAVY, timeout="60ms", crash=False)
    false = [e for e in by_kind(ev, "suspect") if e.data["correct"] is False]
    assert len(false) > 0
    assert su["false_suspicions"] == len(false)
    # A wrongly suspected host is trusted again when its heartbeat arrives.
    assert by_kind(ev, "unsuspect")


def detection_delays(crash_mode: str) -> list[int]:
    ev, _ = detector_run(SYNC, crash_mode=crash_mode)
    return [e.t - 500 * MS for e in by_kind(ev, "suspect") if e.data["target"] == "h3"]


def test_fail_stop_is_detected_faster_than_fail_silent():
    stop, silent = detection_delays("fail_stop"), detection_delays("fail_silent")
    assert len(stop) == len(silent) == 3
    assert max(stop) < min(silent)
    # fail-stop: the crash notice takes one data-centre hop (locality.same_datacenter).
    assert max(stop) <= 500 * US
    # fail-silent: only the heartbeat timeout tells.
    assert min(silent) > 150 * MS - 50 * MS


# -- broadcast ------------------------------------------------------------------------------


def broadcast_deliveries(mode: str, loss: float = 0.3):
    ids = [f"h{i}" for i in range(6)]
    hosts = [host(h, "broadcast", mode=mode) for h in ids]
    hosts[0]["behaviour"]["params"].update(count=10, interval="50ms")
    s = scen(hosts, mesh(ids, mean=2 * MS, loss=loss), duration=4 * S, model=UNBOUNDED_SYNC)
    _, ev, _ = run(s)
    got = defaultdict(list)
    for e in by_kind(ev, "app"):
        if e.data["name"] == "bcast_deliver":
            got[e.data["id"]].append(e.host)
    return ids, got


def test_reliable_broadcast_reaches_everyone_over_lossy_links():
    ids, got = broadcast_deliveries("reliable")
    assert len(got) == 10
    for bid, hosts_ in got.items():
        assert sorted(hosts_) == ids, bid  # everyone, exactly once


def test_best_effort_broadcast_misses_some_over_lossy_links():
    ids, got = broadcast_deliveries("best_effort")
    assert len(got) == 10
    assert all(len(set(h)) == len(h) for h in got.values())
    missing = sum(len(ids) - len(h) for h in got.values())
    # Each of 50 copies is lost with probability 0.3: about 15 misses expected.
    assert missing > 0
    assert 15 - 5 * (50 * 0.3 * 0.7) ** 0.5 <= missing <= 15 + 5 * (50 * 0.3 * 0.7) ** 0.5


def test_best_effort_broadcast_without_loss_reaches_everyone():
    ids, got = broadcast_deliveries("best_effort", loss=0.0)
    assert len(got) == 10 and all(sorted(h) == ids for h in got.values())


# -- request / reply and workload -----------------------------------------------------------


def test_request_reply_with_timeouts_and_retries():
    s = scen([host(0, "rr_client", server="h1", interval="20ms", timeout="15ms", retries=2,
                   count=30),
              host(1, "rr_server", service_time="1ms", service_dist="constant")],
             [link("h0", "h1", mean=2 * MS, loss=0.3)], duration=2 * S, model=UNBOUNDED_SYNC)
    _, ev, _ = run(s)
    done = [e.data for e in by_kind(ev, "app") if e.data["name"] == "request_done"]
    failed = [e.data for e in by_kind(ev, "app") if e.data["name"] == "request_failed"]
    assert len(done) + len(failed) == 30
    for d in done:  # each try that failed cost a full timeout
        assert d["latency"] == (d["tries"] - 1) * 15 * MS + 5 * MS
    for d in failed:
        assert d["tries"] == 3
    assert any(d["tries"] > 1 for d in done)


def test_black_friday_spike_raises_the_request_rate():
    s = scen([host(0, "workload_client", servers=["h1"]), host(1, "rr_server",
                                                               service_time="100us")],
             [link("h0", "h1")], duration=3 * S,
             workload={"profile": "black_friday", "base_rate": 50, "peak_rate": 500,
                       "spike_at": "1s", "spike_length": "1s"})
    _, ev, _ = run(s)
    reqs = [e.t for e in sends(ev, "h0") if e.data["payload"]["type"] == "request"]
    windows = [sum(1 for t in reqs if k * S <= t < (k + 1) * S) for k in range(3)]
    for count, rate in zip(windows, (50, 500, 50), strict=True):
        assert abs(count - rate) <= 5 * rate ** 0.5, windows  # Poisson counts
    assert windows[1] > 5 * max(windows[0], windows[2])


def test_server_queue_limit_refuses_excess_requests():
    s = scen([host(0, "workload_client", servers=["h1"], timeout="5s"),
              host(1, "rr_server", service_time="50ms", service_dist="constant",
                   queue_limit=3)],
             [link("h0", "h1")], duration=S, workload={"profile": "constant",
                                                      "base_rate": 200})
    _, ev, _ = run(s)
    refused = [e for e in by_kind(ev, "app", "h1") if e.data["name"] == "refused"]
    assert refused
    served = [e for e in sends(ev, "h1") if e.data["payload"].get("ok")]
    # one core, 50 ms per request: at most 20 served in a second
    assert len(served) <= 20
