"""The compact event store of an opened trace: the same events back, the same timeline, a
fraction of the memory, and a trace too big for the machine refused before it is read."""

from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest

from sandbox.engine import Simulation
from sandbox.presets import preset_path
from sandbox.scenario.io import load
from sandbox.trace import JsonlSink, TraceEvent, TraceFormatError, make_header, read_jsonl
from sandbox.trace import event_store as store_module
from sandbox.trace import series as S
from sandbox.trace.event_store import (
    CHUNK,
    TraceTooLarge,
    build_columns,
    check_memory,
    memory_needed,
)
from sandbox.trace.timeline import Timeline, open_trace

HOSTS = ["a", "b", "c"]
HEADER = {"scenario": {"hosts": [{"id": h} for h in HOSTS], "run": {"duration": 10**9}}}


def write_trace(path, events, header=HEADER):
    sink = JsonlSink(path)
    sink.open({**make_header(header["scenario"], 1, "", "test"), **header})
    for ev in events:
        sink.write(ev)
    sink.close()


def synthetic(n, seed=1):
    """Sends, deliveries, drops with reasons, duplicates, memory accesses, clock adjustments."""
    rng = random.Random(seed)
    out, t, mid, pending = [], 0, 0, []
    while len(out) < n:
        t += rng.randrange(1, 50)
        k = len(out)
        roll = rng.random()
        if pending and roll < 0.45:
            m, src, dst = pending.pop(rng.randrange(len(pending)))
            if rng.random() < 0.1:
                out.append(TraceEvent(k, t, "drop", src, t, m, dst,
                                      {"reason": rng.choice(["loss", "crashed", "partition"])}))
            else:
                out.append(TraceEvent(k, t, "deliver", dst, t + 3, m, src,
                                      {"latency": 5, "late": rng.random() < 0.1,
                                       "payload": {"n": m, "text": "caf\u00e9"}}))
        elif roll < 0.85:
            mid += 1
            src, dst = rng.sample(HOSTS + ["x9"], 2)
            data = {"size": 64, "payload": {"n": mid}}
            if rng.random() < 0.1:
                data["channel"] = rng.choice(["mem", "sys", "custom"])
            if rng.random() < 0.05:
                data["byz"] = "corrupt"
            out.append(TraceEvent(k, t, "send", src, t, mid, dst, data))
            pending.append((mid, src, dst))
        elif roll < 0.9 and mid:
            mid += 1
            out.append(TraceEvent(k, t, "duplicate", "", t, mid, None, {"of": mid - 1}))
        elif roll < 0.95:
            out.append(TraceEvent(k, t, "mem", rng.choice(HOSTS), t, None, None,
                                  {"op": "read", "page": rng.randrange(8), "home": "b",
                                   "remote": rng.random() < 0.5, "cost": rng.randrange(900)}))
        elif roll < 0.97:
            out.append(TraceEvent(k, t, "clock_adjust", rng.choice(HOSTS), t, None, None,
                                  {"delta": rng.randrange(-500, 500), "mode": "step"}))
        else:
            out.append(TraceEvent(k, t, "timer", rng.choice(HOSTS), t))
    return out


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A trace over several buffers of the store: (path, header, events)."""
    path = tmp_path_factory.mktemp("store") / "big.jsonl"
    write_trace(path, synthetic(3 * CHUNK + 123))
    header, events = read_jsonl(path)
    return path, header, events


def test_the_store_gives_back_every_event_of_the_file(big):
    path, _header, events = big
    tl = open_trace(path)
    assert len(tl.events) == len(events)
    assert list(tl.events) == events
    rng = random.Random(3)
    for i in [0, CHUNK - 1, CHUNK, len(events) - 1] + [rng.randrange(len(events))
                                                         for _ in range(300)]:
        assert tl.events[i] == events[i] and type(tl.events[i]) is TraceEvent
    assert tl.events[-1] == events[-1]
    assert tl.events[CHUNK - 5:2 * CHUNK + 7] == events[CHUNK - 5:2 * CHUNK + 7]
    assert tl.events[10:500:7] == events[10:500:7]
    assert tl.events[5:5] == []
    with pytest.raises(IndexError):
        tl.events[len(events)]


def test_an_opened_trace_indexes_like_the_list_of_its_events(big):
    path, header, events = big
    opened, plain = open_trace(path), Timeline(header, events)
    for name in ("t", "seq", "local", "kind_code", "host_code", "peer_code", "msg", "msg_id",
                 "msg_send_pos", "msg_end_pos", "msg_flags", "msg_channel", "msg_reason",
                 "msg_dup_of", "mem_pos", "mem_page", "mem_remote", "mem_cost", "mem_home"):
        assert getattr(opened, name).tolist() == getattr(plain, name).tolist(), name
    assert opened.kinds == plain.kinds and opened.hosts == plain.hosts
    assert opened.channels == plain.channels and "custom" in opened.channels
    assert opened.drop_reasons == plain.drop_reasons and len(opened.drop_reasons) == 3
    assert int((opened.msg_flags & 8).sum()) > 0  # duplicates were found through "of"
    for t in range(0, opened.end, max(1, opened.end // 25)):
        assert opened.messages(t, linger=100) == plain.messages(t, linger=100)
        assert opened.local_time("a", t) == plain.local_time("a", t)
    assert opened.mem_heat(opened.end, opened.end) == plain.mem_heat(plain.end, plain.end)


def test_events_the_columns_cannot_hold_come_back_unchanged():
    odd = [
        TraceEvent(0, 0, "send", None, 0, 1, "b", {"size": 1}),  # host None, not ""
        TraceEvent(1, 1, "deliver", "b", 1, 1, "", None),  # peer "", not None
        TraceEvent(2, 2, "timer", "a", 2, -1, None, None),  # message id -1, not None
        TraceEvent(3, 3, "weird_kind", "zz", 3, None, "yy", {"set": {1, 2}, "t": (1, 2)}),
        TraceEvent(4, 4, "app", "a", 4, True, None, {"k": object()}),  # not serialisable
    ]
    cols = build_columns(odd, HOSTS, keep=True)
    assert cols.store is not None
    for i, ev in enumerate(odd):
        back = cols.store[i]
        assert back == ev and [type(x) for x in back] == [type(x) for x in ev]
    assert list(cols.store) == odd
    assert cols.kinds[cols.kind_code[3]] == "weird_kind"
    assert cols.hosts[3:] == ["yy", "zz"]  # other hosts after the scenario's, sorted
    with pytest.raises(ValueError, match="event 2: t"):
        build_columns([odd[0], TraceEvent(1, "late", "timer", "a", 1)], HOSTS)
    with pytest.raises(ValueError, match="out of range"):
        build_columns([TraceEvent(0, 2**70, "timer", "a", 0)], HOSTS)


def test_a_preset_trace_opens_into_the_same_timeline(tmp_path):
    path = tmp_path / "run.jsonl"
    Simulation(load(preset_path("dsm_numa")), JsonlSink(path)).run()
    header, events = read_jsonl(path)
    opened, plain = open_trace(path), Timeline(header, events)
    assert list(opened.events) == events
    assert opened.mem_home.tolist() == plain.mem_home.tolist()
    assert opened.host_states(opened.end // 2) == plain.host_states(plain.end // 2)
    cols = opened.series_columns()
    expected = S.columns(events)
    assert all(np.array_equal(a, b) for a, b in zip(cols, expected, strict=True))


def test_an_opened_trace_holds_about_its_file_size(big):
    path, header, events = big
    size = path.stat().st_size
    tracemalloc.start()
    try:
        tl = open_trace(path)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(tl) == len(events)
    assert held < 1.5 * size, (held, size)


def test_a_trace_bigger_than_the_memory_available_is_refused_before_it_is_read(
        big, monkeypatch):
    path, _header, _events = big
    size = path.stat().st_size
    monkeypatch.setattr(store_module, "available_memory", lambda: 10_000_000)
    read = []
    monkeypatch.setattr("sandbox.trace.timeline.iter_jsonl",
                        lambda p: read.append(p) or (_ for _ in ()).throw(AssertionError))
    with pytest.raises(TraceTooLarge) as info:
        open_trace(path)
    text = str(info.value)
    assert str(path) in text and "10 MB is available" in text
    assert f"{memory_needed(size) / 1e6:,.0f} MB of memory" in text
    assert "DS_SANDBOX_MAX_TRACE_MB" in text
    assert isinstance(info.value, TraceFormatError) and not read


def test_check_memory_compares_the_estimate_with_what_is_available(tmp_path):
    check_memory(tmp_path / "t.jsonl", 100_000_000, available=memory_needed(100_000_000))
    with pytest.raises(TraceTooLarge, match="this trace is 100 MB"):
        check_memory(tmp_path / "t.jsonl", 100_000_000,
                     available=memory_needed(100_000_000) - 1)
    assert memory_needed(1000) > 3000


def test_running_out_of_memory_while_opening_is_a_message(big, monkeypatch):
    path, _header, _events = big

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("sandbox.trace.timeline.build_columns", exhausted)
    with pytest.raises(TraceTooLarge, match="memory ran out"):
        open_trace(path)


def test_available_memory_is_a_positive_number_here():
    avail = store_module.available_memory()
    assert avail is None or avail > 0
