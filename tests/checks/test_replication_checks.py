"""The replication checkers on hand-made traces: one that breaks each guarantee and one that
keeps it, and which configurations promise what."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks

MS = 1_000_000
DURATION = 10_000 * MS
REPS = ["r0", "r1", "r2"]
SYNC = {"synchrony": "synchronous", "delivery_bound": 20 * MS, "step_bound": MS}


def _quorum_header(r=2, w=2, faults=(), failures=None, clients=("c0", "c1")):
    hosts = [{"id": h, "behaviour": {"name": "quorum_replica", "params": {}}} for h in REPS]
    if failures:
        for h in hosts:
            h["failures"] = dict(failures)
    hosts += [{"id": c, "behaviour": {"name": "kv_client",
                                      "params": {"replicas": REPS, "r": r, "w": w}}}
              for c in clients]
    return {"scenario": {"hosts": hosts, "run": {"duration": DURATION},
                         "faults": list(faults)}}


def _pb_header(model=SYNC, faults=(), timeout=70 * MS, links=()):
    hosts = [{"id": h, "behaviour": {"name": "primary_backup",
                                     "params": {"replicas": REPS, "interval": 20 * MS,
                                                "timeout": timeout}}} for h in REPS]
    hosts.append({"id": "c0", "behaviour": {"name": "kv_client",
                                            "params": {"replicas": REPS,
                                                       "protocol": "primary_backup"}}})
    return {"scenario": {"hosts": hosts, "run": {"duration": DURATION}, "model": dict(model),
                         "faults": list(faults), "links": list(links)}}


def _trace(rows) -> list[TraceEvent]:
    """Events from (t in ms, host, kind or app name, values); read back from JSON."""
    evs = []
    for i, (t, h, name, values) in enumerate(rows):
        if name in ("crash", "recover"):
            evs.append(TraceEvent(i, t * MS, name, h, t * MS))
        elif name == "state":
            evs.append(TraceEvent(i, t * MS, "state", h, t * MS, None, None, dict(values)))
        else:
            evs.append(TraceEvent(i, t * MS, "app", h, t * MS, None, None,
                                  {"name": name, **values}))
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdicts(header, rows):
    return {v.name: v for v in run_checks(header, _trace(rows))}


def inv(t, c, oid, op, key="k0", value=None):
    return (t, c, "kv_invoke", {"id": oid, "op": op, "key": key, "value": value})


def ret(t, c, oid, op, version, key="k0", ok=True, value=None):
    return (t, c, "kv_return", {"id": oid, "op": op, "key": key, "ok": ok, "value": value,
                                "version": version, "latency": 1, "tries": 1})


# -- read_latest --------------------------------------------------------------------------


def test_a_read_older_than_a_completed_write_breaks_read_latest():
    rows = [inv(1, "c0", "w1", "write", value="a"), ret(5, "c0", "w1", "write", [1, "c0"]),
            inv(6, "c1", "w2", "write", value="b"), ret(9, "c1", "w2", "write", [2, "c1"]),
            inv(10, "c0", "r1", "read"), ret(14, "c0", "r1", "read", [1, "c0"], value="a")]
    v = _verdicts(_quorum_header(), rows)["replication.read_latest"]
    assert not v.ok and v.promised
    assert v.seq == 5 and v.related == (3,)
    assert "r1" in v.reason() and "1/c0" in v.reason() and "2/c1" in v.reason()
    # A read that finds nothing after a completed write is stale too.
    rows = [inv(1, "c0", "w1", "write"), ret(5, "c0", "w1", "write", [1, "c0"]),
            inv(6, "c1", "r1", "read"), ret(8, "c1", "r1", "read", None)]
    v = _verdicts(_quorum_header(), rows)["replication.read_latest"]
    assert not v.ok and "none" in v.reason()


def test_reads_concurrent_with_a_write_or_of_another_key_keep_read_latest():
    rows = [inv(1, "c0", "w1", "write"), ret(5, "c0", "w1", "write", [1, "c0"]),
            # Began before w2 completed: the old version is allowed.
            inv(6, "c1", "w2", "write"), inv(7, "c0", "r1", "read"),
            ret(9, "c1", "w2", "write", [2, "c1"]), ret(10, "c0", "r1", "read", [1, "c0"]),
            # Another key.
            inv(11, "c0", "r2", "read", key="k1"), ret(12, "c0", "r2", "read", None, key="k1"),
            # A newer version than required.
            inv(13, "c1", "r3", "read"), ret(14, "c1", "r3", "read", [3, "c0"]),
            # A failed read is not a read.
            inv(15, "c1", "r4", "read"), ret(16, "c1", "r4", "read", None, ok=False)]
    v = _verdicts(_quorum_header(), rows)["replication.read_latest"]
    assert v.ok and v.promised
    assert v.checked == 3


def test_a_failed_write_or_a_crashed_client_requires_nothing():
    rows = [inv(1, "c0", "w1", "write"), ret(5, "c0", "w1", "write", None, ok=False),
            inv(6, "c1", "w2", "write"), (7, "c1", "crash", {}),
            inv(8, "c0", "r1", "read"), ret(9, "c0", "r1", "read", None)]
    v = _verdicts(_quorum_header(), rows)["replication.read_latest"]
    assert v.ok and v.checked == 1


def test_read_latest_is_promised_only_with_overlapping_quorums_and_kept_stores():
    assert not _verdicts(_quorum_header(r=1, w=2), [])["replication.read_latest"].promised
    assert _verdicts(_quorum_header(r=1, w=3), [])["replication.read_latest"].promised
    # A quorum larger than N counts as N.
    assert _verdicts(_quorum_header(r=5, w=1), [])["replication.read_latest"].promised
    recover = [{"kind": "crash", "host": "r0", "at": MS},
               {"kind": "recover", "host": "r0", "at": 2 * MS}]
    assert not _verdicts(_quorum_header(faults=recover), [])["replication.read_latest"].promised
    kept = {"state_on_crash": "kept"}
    assert _verdicts(_quorum_header(faults=recover, failures=kept),
                     [])["replication.read_latest"].promised
    assert not _verdicts(_quorum_header(failures={"mttr": MS}),
                         [])["replication.read_latest"].promised
    # Primary-backup clients: only with an exact failure detector.
    assert _verdicts(_pb_header(), [])["replication.read_latest"].promised
    assert not _verdicts(_pb_header(model={"synchrony": "asynchronous"}),
                         [])["replication.read_latest"].promised


def test_primary_backup_reads_are_checked_apart_from_quorum_ones():
    rows = [inv(1, "c0", "w1", "write"), ret(5, "c0", "w1", "write", [0, 1]),
            inv(6, "c0", "r1", "read"), ret(8, "c0", "r1", "read", [0, 0])]
    v = _verdicts(_pb_header(), rows)["replication.read_latest"]
    assert not v.ok and v.seq == 3
    rows[3] = ret(8, "c0", "r1", "read", [1, 1])
    assert _verdicts(_pb_header(), rows)["replication.read_latest"].ok


# -- single_primary and one_primary_at_a_time ----------------------------------------------


def st(t, h, **fields):
    return (t, h, "state", fields)


def test_two_primaries_of_one_view_break_single_primary():
    rows = [st(0, "r0", role="primary", view=0, primary="r0"),
            st(0, "r1", role="backup", view=0, primary="r0"),
            st(5, "r1", role="primary")]  # r1 claims view 0
    v = _verdicts(_pb_header(), rows)
    s = v["replication.single_primary"]
    assert not s.ok and s.promised and s.seq == 2 and s.related == (0,)
    assert "r1" in s.reason() and "view 0" in s.reason() and "r0" in s.reason()
    o = v["replication.one_primary_at_a_time"]
    assert not o.ok and o.seq == 2


def test_a_failover_keeps_both_and_a_split_brain_breaks_only_one_at_a_time():
    failover = [st(0, "r0", role="primary", view=0, primary="r0"),
                st(0, "r1", role="backup", view=0, primary="r0"),
                (10, "r0", "crash", {}),
                st(90, "r1", role="primary", view=1, primary="r1"),
                # r0 back, and primary again in a later view, once r1 has stepped down.
                st(100, "r0", role="backup", view=1, primary="r1"),
                st(200, "r1", role="backup", view=3, primary="r0"),
                st(201, "r0", role="primary", view=3, primary="r0")]
    v = _verdicts(_pb_header(), failover)
    assert v["replication.single_primary"].ok and v["replication.single_primary"].checked == 3
    assert v["replication.one_primary_at_a_time"].ok
    assert v["replication.one_primary_at_a_time"].promised
    split = [st(0, "r0", role="primary", view=0, primary="r0"),
             st(0, "r1", role="backup", view=0, primary="r0"),
             st(90, "r1", role="primary", view=1, primary="r1")]  # r0 is up: split brain
    v = _verdicts(_pb_header(faults=[{"kind": "partition", "sides": [["r0"], ["r1", "r2"]],
                                      "start": 10 * MS}]), split)
    assert v["replication.single_primary"].ok
    o = v["replication.one_primary_at_a_time"]
    assert not o.ok and not o.promised and o.seq == 2 and o.related == (0,)
    assert "r0" in o.reason() and "view 1" in o.reason()


def test_one_primary_at_a_time_is_promised_only_with_an_exact_detector():
    def promised(**kw):
        return _verdicts(_pb_header(**kw), [])["replication.one_primary_at_a_time"].promised

    assert promised()
    assert not promised(model={"synchrony": "partially_synchronous"})
    # The timeout must exceed the heartbeat interval plus the delivery and step bounds.
    assert not promised(timeout=40 * MS)
    assert not promised(faults=[{"kind": "pause", "host": "r0", "at": MS, "duration": MS}])
    assert not promised(links=[{"a": "r0", "b": "r1", "loss": 0.1}])
