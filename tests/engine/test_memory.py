"""Distributed shared memory (placement, coherence, retries) and shared memory on a bus."""

from __future__ import annotations

from sandbox.scenario import Scenario

from .helpers import (
    MS,
    UNBOUNDED_SYNC,
    US,
    S,
    by_kind,
    fate,
    host,
    mesh,
    run,
    scen,
    sends,
)

# -- distributed shared memory --------------------------------------------------------------


def dsm_scenario(worker: dict, *, coherence="fixed_home", extra_hosts=(), faults=(),
                 duration=200 * MS, latency=MS, **memory) -> Scenario:
    hosts = [dict(worker, id="h0"), *extra_hosts]
    if not extra_hosts:
        hosts.append(host(1))
    ids = [h["id"] for h in hosts]
    mem = {"pages": 2, "placement": "round_robin", "local_cost": 100, "remote_cost": 5 * US,
           "coherence": coherence, "timeout": "10ms", "retries": 2}
    mem.update(memory)
    return scen(hosts, mesh(ids, mean=latency), duration=duration, model={
        "communication": "dsm", **UNBOUNDED_SYNC}, memory=mem, faults=list(faults))


def worker(**params) -> dict:
    p = {"pattern": "sequential", "operations": 10, "write_ratio": 0.0, "think_time": "1ms"}
    p.update(params)
    return host("h0", "dsm_worker", **p)


def test_dsm_local_and_remote_accesses_and_their_costs():
    s = dsm_scenario(worker())
    _, ev, su = run(s)
    mem = by_kind(ev, "mem", "h0")
    assert len(mem) == 10
    for e in mem:
        d = e.data
        assert d["ok"] is True
        assert d["page"] == (d["addr"] // 4096)
        if d["page"] == 0:  # round robin: page 0 lives on h0, page 1 on h1
            assert d["home"] == "h0" and d["remote"] is False and d["cost"] == 100
        else:
            assert d["home"] == "h1" and d["remote"] is True
            # request + reply over a 1 ms link, plus the home's processing
            assert d["cost"] == 2 * MS + 5 * US
    assert su["mem_local"] == 5 and su["mem_remote"] == 5
    assert su["mem_remote_mean_cost"] > su["mem_local_mean_cost"]


def test_dsm_remote_access_is_real_messages():
    s = dsm_scenario(worker())
    _, ev, _ = run(s)
    end = fate(ev)
    for e in by_kind(ev, "mem", "h0"):
        if not e.data["remote"]:
            continue
        start = e.t - e.data["cost"]
        req = [m for m in sends(ev, "h0", "h1", channel="mem") if m.t == start]
        assert len(req) == 1
        assert req[0].data["payload"]["type"] == "mem_req"
        assert end[req[0].msg].kind == "deliver" and end[req[0].msg].data["channel"] == "mem"
        rep = [m for m in sends(ev, "h1", "h0", channel="mem") if start < m.t <= e.t]
        assert len(rep) == 1 and rep[0].data["payload"]["type"] == "mem_rep"
        assert end[rep[0].msg].kind == "deliver" and end[rep[0].msg].t == e.t
    # Local accesses send nothing.
    n_remote = sum(1 for e in by_kind(ev, "mem") if e.data["remote"])
    assert len(sends(ev, channel="mem")) == 2 * n_remote


def test_dsm_remote_access_fails_when_the_home_is_down():
    s = dsm_scenario(worker(operations=4), faults=[{"kind": "crash", "host": "h1", "at": 0}])
    _, ev, _ = run(s)
    for e in by_kind(ev, "mem", "h0"):
        d = e.data
        if d["page"] == 0:
            assert d["ok"] is True and d["remote"] is False
        else:
            assert d["ok"] is False and d["remote"] is True
            assert d["tries"] == 3  # retries=2: three tries
            assert d["cost"] >= 3 * 10 * MS
    drops = by_kind(ev, "drop")
    assert len(drops) == 2 * 3 and all(d.data["reason"] == "crashed" for d in drops)


def test_dsm_lossy_link_is_retried():
    s = dsm_scenario(worker(operations=200, think_time="100us"), duration=2 * S)
    s.links[0].loss = 0.3
    _, ev, _ = run(s)
    remote = [e.data for e in by_kind(ev, "mem", "h0") if e.data["remote"]]
    assert len(remote) == 100
    assert any(d["tries"] > 1 and d["ok"] for d in remote)
    # every try of a successful access but the last timed out
    for d in remote:
        if d["ok"]:
            assert d["cost"] >= (d["tries"] - 1) * 10 * MS


def test_migrate_on_write_moves_the_page_to_the_writer():
    s = dsm_scenario(worker(write_ratio=1.0, operations=6), coherence="migrate_on_write")
    _, ev, _ = run(s)
    mem = [e.data for e in by_kind(ev, "mem", "h0")]
    page1 = [d for d in mem if d["page"] == 1]
    assert len(page1) == 3  # six sequential accesses over two pages
    assert page1[0]["remote"] is True and page1[0]["home"] == "h1" and page1[0]["ok"]
    for d in page1[1:]:
        assert d["remote"] is False and d["home"] == "h0" and d["cost"] == 100
    migrated = [e for e in by_kind(ev, "app") if e.data["name"] == "page_migrated"]
    assert [(e.host, e.data["page"], e.data["to"]) for e in migrated] == [("h1", 1, "h0")]


def test_fixed_home_never_moves_a_page():
    s = dsm_scenario(worker(write_ratio=1.0, operations=6), coherence="fixed_home")
    _, ev, _ = run(s)
    page1 = [e.data for e in by_kind(ev, "mem", "h0") if e.data["page"] == 1]
    assert len(page1) == 3 and all(d["remote"] and d["home"] == "h1" for d in page1)


def test_read_replication_makes_the_second_read_local():
    s = dsm_scenario(worker(operations=8), coherence="read_replication")
    _, ev, _ = run(s)
    page1 = [e.data for e in by_kind(ev, "mem", "h0") if e.data["page"] == 1]
    assert len(page1) == 4
    assert page1[0]["remote"] is True
    for d in page1[1:]:
        assert d["remote"] is False and d["cost"] == 100


def test_a_write_at_the_home_invalidates_replicas():
    reader = worker(operations=40, think_time="10ms")
    writer = host("h1", "dsm_worker", pattern="local", operations=2, write_ratio=1.0,
                  think_time="100ms")
    s = dsm_scenario(reader, coherence="read_replication", extra_hosts=[writer],
                     duration=400 * MS)
    _, ev, _ = run(s)
    writes = [e.t for e in by_kind(ev, "mem", "h1") if e.data["op"] == "write"]
    assert len(writes) == 2
    invs = [m for m in sends(ev, "h1", "h0", channel="mem")
            if m.data["payload"]["type"] == "mem_inv"]
    assert invs
    reads = [e for e in by_kind(ev, "mem", "h0") if e.data["page"] == 1]
    remote_times = [e.t for e in reads if e.data["remote"]]
    # The first read fetches the page; after each invalidation one more fetch follows.
    assert len(remote_times) == 1 + len(invs)


def stale_replica_reads(loss: float) -> tuple[int, int, int, list]:
    """Run a reader of page 1 (a replica on h0) and a writer at its home h1; return the
    number of writes, of reads, of replica reads checked, and the reads served by a replica
    older than a write that completed at least 100 ms before (far longer than any message
    takes)."""
    reader = worker(operations=0, think_time="20ms")
    writer = host("h1", "dsm_worker", pattern="local", operations=0, write_ratio=1.0,
                  think_time="200ms")
    s = dsm_scenario(reader, coherence="read_replication", extra_hosts=[writer],
                     duration=3 * S)
    s.links[0].loss = loss
    _, ev, _ = run(s)
    writes = [e.t for e in by_kind(ev, "mem", "h1")
              if e.data["op"] == "write" and e.data["page"] == 1]
    reads = [e for e in by_kind(ev, "mem", "h0") if e.data["page"] == 1 and e.data["ok"]]
    stale = []
    checked = 0
    for r in reads:
        if r.data["remote"]:
            continue
        before = [w for w in writes if w + 100 * MS < r.t]
        if not before:
            continue
        checked += 1
        # a fresh copy must have been fetched after that write
        if not any(x.data["remote"] and before[-1] < x.t < r.t for x in reads):
            stale.append(r)
    return len(writes), len(reads), checked, stale


def test_read_replication_never_reads_an_invalidated_replica():
    writes, reads, checked, stale = stale_replica_reads(0.0)
    assert writes >= 10 and reads >= 50 and checked >= 20
    assert stale == []


def test_read_replication_stays_coherent_over_a_lossy_link():
    writes, reads, checked, stale = stale_replica_reads(0.5)
    assert writes >= 10 and reads >= 50 and checked >= 20
    assert stale == [], f"{len(stale)} reads of a stale replica"


def test_shared_memory_contention_on_the_bus():
    def costs(bus: int) -> list[int]:
        hosts = [host(i, "dsm_worker", pattern="random", operations=50, write_ratio=0.5,
                      think_time=0) for i in range(4)]
        s = scen(hosts, [], duration=S, model={"communication": "shared_memory"},
                 memory={"local_cost": 1000, "bus_capacity": bus, "pages": 4})
        _, ev, su = run(s)
        assert su["mem_remote"] == 0
        return [e.data["cost"] for e in by_kind(ev, "mem")]

    free = costs(4)
    assert len(free) == 200 and set(free) == {1000}
    busy = costs(1)
    assert len(busy) == 200 and min(busy) >= 1000
    # Four workers that never rest share one bus: each waits for the other three.
    assert sum(busy) / len(busy) > 3 * 1000
