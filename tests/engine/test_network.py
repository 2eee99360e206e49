"""The network: partitions, link cuts, loss bursts, routing, duplication, corruption,
ordering, bandwidth and the synchrony models."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from sandbox.scenario import scenario_from_dict

from .helpers import (
    MS,
    UNBOUNDED_SYNC,
    S,
    by_kind,
    check_trace,
    fate,
    host,
    link,
    mesh,
    run,
    scen,
    sends,
)

# -- partitions and cuts --------------------------------------------------------------------


def partition_run(one_way: bool):
    ids = [f"h{i}" for i in range(4)]
    hosts = [host(h, "ping", interval="4ms") for h in ids]
    s = scen(hosts, mesh(ids, mean=MS), duration=500 * MS, model=UNBOUNDED_SYNC,
             faults=[{"kind": "partition", "sides": [["h0", "h1"], ["h2", "h3"]],
                      "start": "100ms", "end": "300ms", "one_way": one_way}])
    _, ev, _ = run(s)
    check_trace(s, ev, s.run.duration)
    return ev


def side(h: str) -> int:
    return 0 if h in ("h0", "h1") else 1


@pytest.mark.parametrize("one_way", [False, True])
def test_partition_drops_only_across_sides(one_way):
    ev = partition_run(one_way)
    end = fate(ev)
    assert [e.t for e in by_kind(ev, "partition")] == [100 * MS]
    assert [e.t for e in by_kind(ev, "heal")] == [300 * MS]
    counts = Counter()
    for m in sends(ev):
        if m.msg not in end:
            continue
        f = end[m.msg]
        cross = side(m.host) != side(m.peer)
        blocked_dir = cross and (not one_way or side(m.host) == 0)
        inside = 100 * MS <= m.t and m.t + MS < 300 * MS
        if blocked_dir and inside:
            assert f.kind == "drop" and f.data["reason"] == "partition", (m, f)
            counts["blocked"] += 1
        elif not cross or (m.t + MS < 100 * MS or m.t > 300 * MS) or not blocked_dir:
            assert f.kind == "deliver", (m, f)
            counts["through" if cross and inside else "other"] += 1
    assert counts["blocked"] > 50
    if one_way:
        assert counts["through"] > 50  # side 1 -> side 0 still flows
    else:
        assert counts["through"] == 0


def test_link_cut_drops_messages_on_that_link_only():
    s = scen([host(0, "ping", interval="3ms"), host(1, "ping", interval="3ms", peers=["h2"]),
              host(2)],
             [link("h0", "h1"), link("h1", "h2")], duration=400 * MS, model=UNBOUNDED_SYNC,
             faults=[{"kind": "link_cut", "a": "h1", "b": "h0", "start": "100ms",
                      "end": "200ms"}])
    _, ev, _ = run(s)
    end = fate(ev)
    assert [e.t for e in by_kind(ev, "link_cut")] == [100 * MS]
    assert [e.t for e in by_kind(ev, "link_heal")] == [200 * MS]
    cut = 0
    for m in sends(ev):
        f = end.get(m.msg)
        if f is None:
            continue
        on_link = {m.host, m.peer} == {"h0", "h1"} or (m.host == "h0" and m.peer == "h2")
        if on_link and 100 * MS <= m.t < 200 * MS:
            assert f.kind == "drop" and f.data["reason"] == "link_cut", (m, f)
            cut += 1
        elif not on_link or m.t >= 200 * MS or m.t + 2 * MS < 100 * MS:
            assert f.kind == "deliver", (m, f)
    assert cut > 30


def test_loss_burst_raises_loss_for_its_window():
    s = scen([host(0, "ping", interval="2ms"), host(1)], [link("h0", "h1")],
             duration=300 * MS, model=UNBOUNDED_SYNC,
             faults=[{"kind": "loss_burst", "a": "h0", "b": "h1", "start": "100ms",
                      "end": "200ms", "loss": 1.0}])
    _, ev, _ = run(s)
    end = fate(ev)
    counts = Counter()
    for m in sends(ev):
        if m.msg not in end:
            continue
        if 100 * MS <= m.t < 200 * MS:
            assert end[m.msg].data == {"reason": "loss", "link": ["h0", "h1"]}
            counts["burst"] += 1
        elif m.t >= 200 * MS or m.t < 99 * MS:
            assert end[m.msg].kind == "deliver"
            counts["outside"] += 1
    # A ping every 2 ms on average: about 50 in the 100 ms burst, about 100 outside it.
    assert counts["burst"] > 25 and counts["outside"] > 50, counts


def test_no_route_is_a_drop():
    s = scen([host(0, "ping", interval="10ms"), host(1)], [], duration=100 * MS)
    _, ev, _ = run(s)
    assert sends(ev)
    assert all(f.kind == "drop" and f.data["reason"] == "no_route" for f in fate(ev).values())


def test_routing_over_several_hops_adds_latencies():
    s = scen([host(0, "ping", interval="10ms", peers=["h2"]), host(1), host(2)],
             [link("h0", "h1", mean=2 * MS), link("h1", "h2", mean=3 * MS)],
             duration=200 * MS, model=UNBOUNDED_SYNC)
    _, ev, _ = run(s)
    end = fate(ev)
    out = sends(ev, "h0")
    # A ping every 10 ms on average for 200 ms: about 20 (a Poisson count).
    assert len(out) > 5
    for m in out:
        assert m.data["path"] == ["h0", "h1", "h2"]
        if m.msg in end:
            assert end[m.msg].t - m.t == 5 * MS
    assert sum(1 for m in out if m.msg in end and end[m.msg].kind == "deliver") > 5


def test_injected_drop_of_one_message():
    s = scen([host(0, "ping", interval="2ms"), host(1)], [link("h0", "h1", mean=5 * MS)],
             duration=100 * MS, model=UNBOUNDED_SYNC)
    _, ev0, _ = run(s)
    victim = sends(ev0)[3]
    s2 = s.model_copy(update={"faults": scenario_from_dict(
        {"hosts": [{"id": "h0"}], "faults": [{"kind": "drop_message", "msg": victim.msg,
                                              "at": victim.t + MS}]}).faults})
    _, ev, _ = run(s2)
    end = fate(ev)
    assert end[victim.msg].kind == "drop" and end[victim.msg].data["reason"] == "injected"
    assert sum(1 for f in end.values() if f.kind == "drop") == 1


# -- duplication and corruption --------------------------------------------------------------


def test_duplication_gives_a_duplicate_event_and_two_deliveries():
    s = scen([host(0, "ping", interval="5ms"), host(1)],
             [link("h0", "h1", duplication=1.0)], duration=200 * MS, model=UNBOUNDED_SYNC)
    _, ev, su = run(s)
    check_trace(s, ev, s.run.duration)
    originals = sends(ev, "h0")
    dups = by_kind(ev, "duplicate")
    assert len(dups) == len(originals) > 20
    of = {d.data["of"]: d for d in dups}
    delivered = defaultdict(list)
    for e in by_kind(ev, "deliver", "h1"):
        delivered[e.data.get("dup", e.msg)].append(e)
    for m in originals:
        d = of[m.msg]
        assert d.t == m.t and d.host == "h0" and d.peer == "h1" and d.msg != m.msg
        if m.t + MS < 200 * MS:
            got = delivered[m.msg]
            assert sorted(e.msg for e in got) == sorted([m.msg, d.msg])
    assert su["duplicated"] == len(dups)


def test_corruption_flags_messages():
    s = scen([host(0, "ping", interval="5ms"), host(1)],
             [link("h0", "h1", corruption=1.0)], duration=200 * MS)
    _, ev, su = run(s)
    corrupt = {e.msg: e for e in by_kind(ev, "corrupt")}
    delivered = by_kind(ev, "deliver")
    assert len(delivered) > 20
    for e in delivered:
        assert e.data.get("corrupted") is True
        c = corrupt[e.msg]
        assert c.t == e.t and c.seq < e.seq and c.host == "h1"
    assert su["corrupted"] == len(delivered)


def test_no_corruption_no_flags():
    s = scen([host(0, "ping", interval="5ms"), host(1)], [link("h0", "h1")],
             duration=200 * MS)
    _, ev, _ = run(s)
    assert not by_kind(ev, "corrupt")
    assert not [e for e in by_kind(ev, "deliver") if e.data.get("corrupted")]


# -- ordering and bandwidth -----------------------------------------------------------------


def order_run(reordering: float):
    s = scen([host(0, "ping", interval="1ms"), host(1, "ping", interval="1ms")],
             [link("h0", "h1", dist="exponential", mean=5 * MS, reordering=reordering)],
             duration=2 * S)
    _, ev, _ = run(s)
    send_seq = {e.msg: e.seq for e in sends(ev)}
    per_channel = defaultdict(list)
    for e in by_kind(ev, "deliver"):
        per_channel[(e.peer, e.host)].append(send_seq[e.msg])
    return per_channel


def inversions(seq: list[int]) -> int:
    return sum(1 for a, b in zip(seq, seq[1:], strict=False) if b < a)


def test_no_reordering_means_fifo_per_channel():
    per_channel = order_run(0.0)
    assert set(per_channel) == {("h0", "h1"), ("h1", "h0")}
    for ch, seq in per_channel.items():
        assert len(seq) > 1000
        assert seq == sorted(seq), ch


def test_reordering_lets_messages_overtake():
    per_channel = order_run(0.5)
    assert set(per_channel) == {("h0", "h1"), ("h1", "h0")}
    for seq in per_channel.values():
        assert len(seq) > 1000
        assert inversions(seq) > 50


def test_bandwidth_serialises_messages():
    # 1250 bytes over 1 Mbit/s take 10 ms on the wire.
    s = scen([host(0, "rr_client", server="h1", interval="1ms", count=20, size=1250,
                   timeout="10s", retries=0),
              host(1, "rr_server", service_time="1us", service_dist="constant")],
             [link("h0", "h1", mean=MS, bandwidth=1e6)], duration=500 * MS,
             model=UNBOUNDED_SYNC)
    _, ev, _ = run(s)
    arrivals = [e.t for e in by_kind(ev, "deliver", "h1")]
    assert len(arrivals) == 20
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= 10 * MS
    # The first leaves at once: 10 ms on the wire + 1 ms of latency.
    assert arrivals[0] == 11 * MS
    # Without the bandwidth limit they arrive 1 ms apart, as they were sent.
    s2 = s.model_copy(deep=True)
    s2.links[0].bandwidth = None
    _, ev2, _ = run(s2)
    arrivals2 = [e.t for e in by_kind(ev2, "deliver", "h1")]
    assert arrivals2 == [k * MS + MS for k in range(20)]


# -- synchrony ------------------------------------------------------------------------------


def test_synchronous_model_bounds_every_delivery():
    s = scen([host(0, "ping", interval="1ms"), host(1, "ping", interval="1ms")],
             [link("h0", "h1", dist="exponential", mean=5 * MS)], duration=S,
             model={"synchrony": "synchronous", "delivery_bound": "6ms"})
    _, ev, _ = run(s)
    lat = [e.data["latency"] for e in by_kind(ev, "deliver")]
    assert len(lat) > 1000
    assert max(lat) <= 6 * MS


def test_partially_synchronous_bounds_after_gst_only():
    s = scen([host(0, "ping", interval="1ms"), host(1, "ping", interval="1ms")],
             [link("h0", "h1", dist="exponential", mean=2 * MS)], duration=2 * S,
             model={"synchrony": "partially_synchronous", "delivery_bound": "4ms",
                    "gst": "1s", "async_tail": 1.2})
    _, ev, _ = run(s)
    sent_t = {e.msg: e.t for e in sends(ev)}
    before = [e.t - sent_t[e.msg] for e in by_kind(ev, "deliver") if sent_t[e.msg] < S]
    after = [e.t - sent_t[e.msg] for e in by_kind(ev, "deliver") if sent_t[e.msg] >= 1100 * MS]
    assert max(before) > 4 * MS
    assert after
    # After GST a message takes at most the bound (FIFO never pushes past it either).
    assert max(after) <= 4 * MS
