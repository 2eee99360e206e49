"""Failure detection: the fixed-timeout heartbeat and the adaptive detector (phi accrual,
Chen), their completeness and accuracy checked on the trace, and how many false
suspicions each makes for its detection time under heavy-tailed delays."""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, link, mesh, run, scen

from sandbox.trace.checks import CheckContext, checker

IDS = ["h1", "h2", "h3", "h4"]


def _verdict(sim, events, name):
    """The verdict of guarantee ``name`` on a run, whichever detector's record lists it."""
    ctx = CheckContext(sim.header())
    cls = checker(name)
    c = cls(ctx)
    for ev in events:
        ctx._see(ev)
        if c.kinds is None or ev.kind in c.kinds:
            c.feed(ev)
    c.finish()
    return c.verdict(cls.promised(ctx))


def _crash_scenario(behaviour, dist, crash_at=S, duration=2 * S, **params):
    hosts = [host(i, behaviour, interval=50 * MS, **params) for i in IDS]
    return scen(hosts, mesh(IDS, dist=dist, mean=5 * MS, shape=1.0 if dist == "lognormal" else 2.0),
                duration=duration, faults=[{"kind": "crash", "host": "h4", "at": crash_at}])


def test_completeness_holds_over_50_seeds_with_a_crash():
    for seed in range(50):
        behaviour, params = (("heartbeat", {"timeout": 200 * MS}) if seed % 2 else
                             ("adaptive_heartbeat", {"max_timeout": 400 * MS,
                                                     "estimator": ("phi", "chen")[seed % 4 // 2]}))
        dist = ("lognormal", "pareto")[seed % 3 % 2]
        sim, events, _ = run(_crash_scenario(behaviour, dist, crash_at=(800 + 10 * seed) * MS,
                                             **params), seed=seed)
        v = _verdict(sim, events, "failure_detection.completeness")
        assert v.ok and v.promised, (seed, behaviour, v.reason())
        assert v.checked == 3  # h1, h2 and h3 each judged about h4
        for m in IDS[:3]:  # and the trace agrees: each ends suspecting h4
            marks = [e.kind for e in events if e.kind in ("suspect", "unsuspect")
                     and e.host == m and e.data["target"] == "h4"]
            assert marks and marks[-1] == "suspect"


def _mixed_links(dist):
    """Slow, jittery links among h1..h3; fast, steady links to h4 (the one that crashes)."""
    out = []
    for i, a in enumerate(IDS):
        for b in IDS[i + 1:]:
            steady = "h4" in (a, b)
            shape = (0.3 if steady else 1.0) if dist == "lognormal" else (3.0 if steady else 1.5)
            out.append(link(a, b, dist=dist, mean=2 * MS if steady else 20 * MS, shape=shape))
    return out


def _false_and_detection(behaviour, seeds, **params):
    false = 0
    detections = []
    for dist in ("lognormal", "pareto"):
        for seed in seeds:
            hosts = [host(i, behaviour, interval=50 * MS, **params) for i in IDS]
            s = scen(hosts, _mixed_links(dist), duration=2 * S,
                     faults=[{"kind": "crash", "host": "h4", "at": 3 * S // 2}])
            _, events, summary = run(s, seed=seed)
            for e in by_kind(events, "suspect"):
                if e.data["target"] == "h4" and e.t >= 3 * S // 2:
                    detections.append(e.t - 3 * S // 2)
                else:
                    assert not e.data["correct"]
                    false += 1
            assert summary["false_suspicions"] == sum(
                1 for e in by_kind(events, "suspect") if not e.data["correct"])
    assert len(detections) == 2 * len(seeds) * 3  # every monitor detected the crash
    return false, sum(detections) / len(detections)


def test_the_adaptive_detector_makes_fewer_false_suspicions_for_a_comparable_detection_time():
    seeds = range(15)
    fixed_false, fixed_detect = _false_and_detection("heartbeat", seeds, timeout=100 * MS)
    phi_false, phi_detect = _false_and_detection("adaptive_heartbeat", seeds, threshold=8.0,
                                                 min_std=5 * MS)
    # the timeout one link needs is learnt per peer: detection no slower, far fewer mistakes
    assert phi_detect <= fixed_detect * 1.1, (phi_detect, fixed_detect)
    assert phi_false * 2 < fixed_false, (phi_false, fixed_false)


def test_accuracy_is_promised_and_holds_in_the_synchronous_model_with_a_large_enough_timeout():
    sync = {"synchrony": "synchronous", "delivery_bound": 20 * MS, "step_bound": MS}
    for seed in range(10):
        hosts = [host(i, "heartbeat", interval=50 * MS, timeout=80 * MS) for i in IDS]
        s = scen(hosts, mesh(IDS, dist="lognormal", mean=5 * MS), duration=S, model=sync,
                 faults=[{"kind": "crash", "host": "h4", "at": S // 2}])
        sim, events, _ = run(s, seed=seed)
        v = _verdict(sim, events, "failure_detection.accuracy")
        assert v.ok and v.promised and v.checked == 3, (seed, v.reason())


def test_accuracy_breaks_and_is_not_promised_in_the_asynchronous_model():
    broke = 0
    for seed in range(5):
        hosts = [host(i, "heartbeat", interval=50 * MS, timeout=80 * MS) for i in IDS]
        sim, events, _ = run(scen(hosts, mesh(IDS, dist="pareto", mean=10 * MS), duration=S),
                             seed=seed)
        v = _verdict(sim, events, "failure_detection.accuracy")
        assert not v.promised
        broke += not v.ok
    assert broke >= 3


def test_the_adaptive_detector_reports_its_suspects():
    sim, events, _ = run(_crash_scenario("adaptive_heartbeat", "lognormal",
                                         max_timeout=300 * MS), seed=2)
    for m in IDS[:3]:
        shown: list = []
        suspected: set = set()
        for e in events:
            if e.host != m:
                continue
            if e.kind == "state":
                shown = e.data["suspects"]
                assert shown == sorted(suspected)
            elif e.kind == "suspect":
                suspected.add(e.data["target"])
            elif e.kind == "unsuspect":
                suspected.discard(e.data["target"])
        assert "h4" in shown
        notes = [e for e in by_kind(events, "app", m) if e.data["name"] == "fd_suspect"]
        assert "h4" in [n.data["target"] for n in notes]
        assert all(n.data["silence"] >= n.data["timeout"] for n in notes)
