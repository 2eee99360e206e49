"""Runs of the replication protocols: primary-backup with failover, quorum replication (R, W
of N) with read repair, the key-value client, and their guarantees on the traces.

Expectations come from the protocols' definitions: a quorum read meets every completed write
when R + W > N; a view has one primary; a primary whose backups acknowledge every write keeps
serving after a failover; an operation needs a quorum of live replicas.
"""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

SYNC = {"synchrony": "synchronous", "delivery_bound": 20 * MS, "step_bound": MS}


def _verdicts(sim, events) -> dict:
    return {v.name: v for v in run_checks(sim.header(), events)}


def _apps(events, name: str, host_id: str | None = None) -> list:
    return [e for e in by_kind(events, "app", host_id) if e.data["name"] == name]


# -- quorum ---------------------------------------------------------------------------------


def _quorum(n: int, r: int, w: int, *, clients=("c0", "c1"), duration=S, faults=(),
            interval=20 * MS, timeout=60 * MS, keys=2, read_repair=True, **kw):
    reps = [f"r{i}" for i in range(n)]
    hosts = [host(x, "quorum_replica") for x in reps]
    hosts += [host(c, "kv_client", replicas=reps, protocol="quorum", r=r, w=w, keys=keys,
                   interval=interval, timeout=timeout, read_repair=read_repair)
              for c in clients]
    links = mesh(reps + list(clients), dist="exponential", mean=3 * MS)
    return scen(hosts, links, duration=duration, faults=list(faults), **kw)


def test_quorum_with_r_plus_w_at_most_n_returns_a_stale_read_and_is_not_promised():
    """R = W = 1 of N = 3: a read can miss the only replica a write reached."""
    stale = 0
    for seed in range(10):
        sim, events, _ = run(_quorum(3, 1, 1, duration=S // 2), seed=seed)
        v = _verdicts(sim, events)["replication.read_latest"]
        assert not v.promised
        assert v.checked > 0
        if not v.ok:
            stale += 1
            # The failure points at the read's return and at the write it missed.
            ev = events[v.seq]
            assert ev.data["name"] == "kv_return" and ev.data["op"] == "read"
            write = events[v.related[0]]
            assert write.data["op"] == "write" and write.data["key"] == ev.data["key"]
            assert write.t < ev.t
    assert stale > 0


def test_quorum_with_r_plus_w_above_n_reads_the_latest_over_50_seeds_with_a_crash():
    """R = W = 2 of N = 3 with one replica crashing at a time that varies by seed."""
    for seed in range(50):
        at = 100 * MS + (seed * 37 % 50) * 8 * MS
        victim = f"r{seed % 3}"
        sim, events, _ = run(_quorum(3, 2, 2, duration=S, model=SYNC,
                                     faults=[{"kind": "crash", "host": victim, "at": at}]),
                             seed=seed)
        v = _verdicts(sim, events)["replication.read_latest"]
        assert v.promised, seed
        assert v.ok, (seed, v.reason())
        assert v.checked > 0
        # Two replicas stay, and delays are bounded: the operations after the crash succeed.
        after = [e for e in _apps(events, "kv_return") if e.t > at + 300 * MS]
        assert after and all(e.data["ok"] for e in after), seed


def test_a_quorum_larger_than_n_is_read_as_n():
    sim, events, _ = run(_quorum(3, 5, 5, clients=("c0",), duration=300 * MS), seed=1)
    returns = _apps(events, "kv_return")
    assert returns and all(e.data["ok"] for e in returns)
    assert _verdicts(sim, events)["replication.read_latest"].promised


def test_read_repair_writes_the_newest_value_back_to_the_stale_replicas():
    """R = 3, W = 1: a read sees the replicas a write missed and repairs them."""
    sim, events, _ = run(_quorum(3, 3, 1, clients=("c0",), duration=S), seed=3)
    repairs = _apps(events, "kv_repair")
    assert repairs
    for e in repairs:
        assert e.data["targets"] and set(e.data["targets"]) <= {"r0", "r1", "r2"}
    sim2, events2, _ = run(_quorum(3, 3, 1, clients=("c0",), duration=S, read_repair=False),
                           seed=3)
    assert not _apps(events2, "kv_repair")


def test_quorum_state_reports_keys_latest_and_in_flight():
    sim, events, _ = run(_quorum(3, 2, 2, clients=("c0",), duration=400 * MS, keys=2),
                         seed=2)
    shown = by_kind(events, "state", "r0")
    assert shown[0].t == 0 and shown[0].data == {"keys": 0, "latest": 0}
    keys = [e.data["keys"] for e in shown if "keys" in e.data]
    assert keys == sorted(keys) and keys[-1] <= 2
    latest = [e.data["latest"] for e in shown if "latest" in e.data]
    assert latest == sorted(latest) and latest[-1] >= 1
    client = by_kind(events, "state", "c0")
    flights = [e.data["in_flight"] for e in client if "in_flight" in e.data]
    assert max(flights) >= 1 and flights[0] == 0
    done = [e.data["done"] for e in client if "done" in e.data]
    assert done[-1] == len(_apps(events, "request_done", "c0"))


def test_graceful_degradation_with_replicas_crashing_one_after_another():
    """N = 5, R = W = 3; a replica crashes every second. While three live, nearly every
    operation succeeds (slower: a try that picks a dead replica times out); with two, none."""
    faults = [{"kind": "crash", "host": f"r{i}", "at": (i + 1) * S} for i in range(4)]
    sim, events, _ = run(_quorum(5, 3, 3, duration=5 * S, faults=faults, interval=25 * MS,
                                 timeout=60 * MS), seed=4)
    invoked = {(e.host, e.data["id"]): e.t for e in _apps(events, "kv_invoke")}

    def period(e) -> int:
        return invoked[(e.host, e.data["req"])] // S

    done = [0] * 5
    failed = [0] * 5
    latency = [[] for _ in range(5)]
    for e in _apps(events, "request_done"):
        done[period(e)] += 1
        latency[period(e)].append(e.data["latency"])
    for e in _apps(events, "request_failed"):
        failed[period(e)] += 1
    ratio = [d / max(1, d + f) for d, f in zip(done, failed, strict=True)]
    for p in (0, 1, 2):  # 5, 4, then 3 replicas live: a quorum
        assert ratio[p] >= 0.9, (p, ratio)
    for p in (3, 4):  # 2, then 1: no quorum
        assert done[p] + failed[p] > 20
        assert ratio[p] <= 0.05, (p, ratio)
    mean = [sum(x) / len(x) for x in latency[:3]]
    assert mean[0] < mean[2], mean


# -- primary-backup -------------------------------------------------------------------------


def _pb(n: int = 3, *, duration=S, faults=(), model=SYNC, clients=("c0",), interval=20 * MS,
        timeout=60 * MS, retries=3, extra=(), links=None, **kw):
    reps = [f"r{i}" for i in range(n)]
    hosts = [host(x, "primary_backup", replicas=reps, interval=20 * MS, timeout=70 * MS)
             for x in reps]
    hosts += [host(c, "kv_client", replicas=reps, protocol="primary_backup", keys=2,
                   interval=interval, timeout=timeout, retries=retries) for c in clients]
    hosts += list(extra)
    ids = [h["id"] for h in hosts]
    if links is None:
        links = mesh(ids, dist="exponential", mean=3 * MS)
    return scen(hosts, links, duration=duration, faults=list(faults), model=model, **kw)


def test_primary_backup_keeps_one_primary_and_serves_clients_over_50_seeds():
    """The primary crashes at a time that varies by seed; the next replica takes over with
    view 1 and the clients' operations complete again after the failover."""
    for seed in range(50):
        at = 150 * MS + (seed * 29 % 40) * 10 * MS
        sim, events, _ = run(_pb(duration=S, faults=[{"kind": "crash", "host": "r0",
                                                      "at": at}]), seed=seed)
        v = _verdicts(sim, events)
        for name in ("replication.single_primary", "replication.one_primary_at_a_time",
                     "replication.read_latest"):
            assert v[name].promised, (seed, name)
            assert v[name].ok, (seed, name, v[name].reason())
        assert v["replication.single_primary"].checked >= 2  # view 0, then view 1
        # Reads after the failover meet the writes the old primary acknowledged.
        assert v["replication.read_latest"].checked >= 5
        # r1 is the primary of view 1.
        assert any(e.data.get("role") == "primary" and e.t > at
                   for e in by_kind(events, "state", "r1"))
        served = [e for e in _apps(events, "request_done") if e.t > at + 200 * MS]
        assert served, seed
        late = [e for e in _apps(events, "kv_return") if e.t > at + 250 * MS]
        assert late and all(e.data["ok"] for e in late), seed


def test_primary_backup_state_reports_role_view_and_primary():
    sim, events, _ = run(_pb(duration=600 * MS, faults=[{"kind": "crash", "host": "r0",
                                                         "at": 200 * MS}]), seed=1)
    first = {e.host: e.data for e in by_kind(events, "state") if e.t == 0 and
             e.host.startswith("r")}
    assert first["r0"] == {"role": "primary", "view": 0, "primary": "r0"}
    assert first["r1"] == {"role": "backup", "view": 0, "primary": "r0"}
    r1 = [e for e in by_kind(events, "state", "r1") if e.t > 200 * MS]
    assert r1[0].data == {"role": "primary", "view": 1, "primary": "r1"}
    r2 = [e for e in by_kind(events, "state", "r2") if e.t > 200 * MS]
    assert r2[0].data == {"view": 1, "primary": "r1"}
    # The failover happens once r0 has been silent for the timeout, not before.
    heard = max(e.t for e in by_kind(events, "deliver", "r1") if e.peer == "r0")
    assert heard < 200 * MS + 20 * MS
    assert r1[0].t >= heard + 70 * MS
    changes = _apps(events, "pb_view_change")
    assert {e.host for e in changes} == {"r1", "r2"}
    assert all(e.data["view"] == 1 and e.data["primary"] == "r1" for e in changes)


def test_a_recovered_primary_rejoins_as_a_backup():
    faults = [{"kind": "crash", "host": "r0", "at": 200 * MS},
              {"kind": "recover", "host": "r0", "at": 500 * MS}]
    sim, events, _ = run(_pb(duration=S, faults=faults), seed=2)
    after = [e for e in by_kind(events, "state", "r0") if e.t >= 500 * MS]
    assert after and all(e.data.get("role") != "primary" for e in after)
    # It learns the view from the first heartbeat (within an interval and a delivery bound).
    learnt = [e for e in after if e.data.get("view") == 1]
    assert learnt and learnt[0].data["primary"] == "r1"
    assert learnt[0].t <= 500 * MS + 20 * MS + 20 * MS
    # The primary sends it its store.
    assert [e for e in by_kind(events, "send", "r1") if e.peer == "r0" and e.t >= 500 * MS
            and e.data["payload"]["type"] == "pb_sync"]
    v = _verdicts(sim, events)
    assert v["replication.single_primary"].ok
    assert v["replication.one_primary_at_a_time"].ok
    # Lost state and a recovery: reads are not promised the latest write, but still checked.
    assert not v["replication.read_latest"].promised


def test_a_partition_gives_split_brain_that_one_primary_at_a_time_shows():
    """The primary is cut off from its backups (not from the client): both sides have a
    primary at once; each view still has one."""
    reps = ["r0", "r1", "r2"]
    fault = {"kind": "partition", "sides": [["r0", "c0"], ["r1", "r2"]], "start": 200 * MS,
             "end": 700 * MS}
    sim, events, _ = run(_pb(duration=S, faults=[fault],
                             model={"synchrony": "asynchronous"}), seed=1)
    v = _verdicts(sim, events)
    assert not v["replication.one_primary_at_a_time"].promised
    assert not v["replication.one_primary_at_a_time"].ok
    assert v["replication.single_primary"].promised and v["replication.single_primary"].ok
    assert reps  # the group


def test_odd_messages_do_not_break_the_replicas():
    """A ping host sends the replicas and the client messages of no protocol of theirs."""
    ping = host("x", "ping", interval=2 * MS)
    sim, events, _ = run(_pb(duration=400 * MS, extra=[ping]), seed=5)
    assert _apps(events, "request_done")
    reps = [f"r{i}" for i in range(3)]
    ping = host("x", "ping", interval=2 * MS)
    hosts = [host(r, "quorum_replica") for r in reps] + [
        host("c0", "kv_client", replicas=reps), ping]
    run(scen(hosts, mesh(reps + ["c0", "x"]), duration=300 * MS), seed=5)
