"""Limits that protect the machine (events, trace size, hosts, links, workload rate), the estimate
from a run's first slice, and the clock-skew sampler's values (linear now, the same numbers)."""

from __future__ import annotations

import json

import pytest

from sandbox import cli
from sandbox.engine import Reporter, RunCancelled, Simulation
from sandbox.engine.limits import (
    COMMAND_LINE_HINTS,
    Limits,
    RunLimitExceeded,
    RunRefused,
)
from sandbox.engine.runner import drive, run
from sandbox.scenario import load
from sandbox.trace import JsonlSink

from .helpers import MS, PRESETS, S, host, link, mesh, scen


class Recorder(Reporter):
    """Records progress and warnings; cancels once it has seen a warning when asked to."""

    def __init__(self, cancel_on_warning: bool = False) -> None:
        self.calls: list[tuple[int, int]] = []
        self.warnings: list[str] = []
        self.cancel_on_warning = cancel_on_warning

    def progress(self, now: int, until: int) -> None:
        self.calls.append((now, until))

    def cancelled(self) -> bool:
        return self.cancel_on_warning and bool(self.warnings)

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def _pingers(duration: int, interval: int = MS, n: int = 2, **kw):
    """``n`` hosts pinging each other every ``interval`` on average (about 2 events a send)."""
    ids = [f"h{i}" for i in range(n)]
    return scen([host(i, "ping", interval=interval) for i in range(n)], mesh(ids),
                duration=duration, **kw)


# -- the defaults ------------------------------------------------------------------------------


def test_the_defaults_never_bother_a_normal_run():
    lim = Limits()
    assert (lim.max_events, lim.max_trace_bytes, lim.max_hosts, lim.max_links) == (
        50_000_000, 4 * 1024 ** 3, 100_000, 1_000_000)
    assert lim.enforce and not Limits.off().enforce
    for path in PRESETS:
        rec = Recorder()
        run(load(path), reporter=rec)
        assert rec.warnings == []


# -- before the run ------------------------------------------------------------------------------


def test_too_many_hosts_or_links_are_refused_before_the_run_is_built(monkeypatch):
    import sandbox.engine.runner as runner

    def never(*_a, **_k):
        raise AssertionError("the run was built")

    monkeypatch.setattr(runner, "Simulation", never)
    scenario = _pingers(S, n=4)
    with pytest.raises(RunLimitExceeded, match="4 hosts, more than the limit of 3 hosts") as info:
        run(scenario, limits=Limits(max_hosts=3))
    assert info.value.limit == "max_hosts" and info.value.reached is None
    assert "Limits(max_hosts=N)" in str(info.value)
    with pytest.raises(RunLimitExceeded, match="6 links, more than the limit of 5 links") as info:
        run(scenario, limits=Limits(max_links=5).with_hints(COMMAND_LINE_HINTS))
    assert "--max-links N" in str(info.value) and "--no-limits" in str(info.value)


def test_a_workload_that_makes_too_many_requests_is_refused(monkeypatch):
    scenario = scen([host("client", "workload_client", servers=["server"]),
                     host("server", "rr_server")], [link("client", "server")],
                    duration=10 * S, workload={"profile": "constant", "base_rate": 1e7})
    with pytest.raises(RunLimitExceeded, match="about 100,000,000 requests") as info:
        run(scenario)
    assert info.value.limit == "max_events" and info.value.reached is None
    run(scenario, until=100_000, limits=Limits(max_events=20_000))  # 1,000 requests: fine


def test_a_workload_rate_beyond_one_request_a_nanosecond_is_refused_even_without_limits():
    scenario = scen([host("client", "workload_client", servers=["server"]),
                     host("server", "rr_server")], [link("client", "server")], duration=S)
    for rate in (float("inf"), float("nan"), 1e300, 2e9):
        # built around the model's own bounds: the engine's check stands on its own
        bad = scenario.model_copy(update={"workload": scenario.workload.model_copy(
            update={"base_rate": rate})})
        with pytest.raises(RunRefused, match="cannot be simulated"):
            run(bad, limits=Limits.off())


# -- the estimate from the first slice ---------------------------------------------------------


def test_a_runaway_run_is_estimated_warned_and_stopped_early():
    year = 365 * 24 * 3600 * S
    rec = Recorder()
    with pytest.raises(RunLimitExceeded) as info:
        run(_pingers(year), reporter=rec, limits=Limits(max_events=100_000))
    err = info.value
    assert len(rec.warnings) == 1 and "more than the limit of 100,000 events" in rec.warnings[0]
    assert err.limit == "max_events" and err.value > 1e9
    assert err.reached is not None and err.reached < year // 1000  # long before the end
    assert rec.calls == []  # stopped inside its first chunk
    assert "Limits(max_events=N)" in str(err) and "stopped at" in str(err)


def test_with_limits_off_the_estimate_warns_and_the_run_goes_on():
    rec = Recorder()
    result = run(_pingers(200 * MS, interval=MS // 10), reporter=rec,
                 limits=Limits.off(max_events=1000))
    assert len(rec.warnings) == 1 and "1,000 events" in rec.warnings[0]
    assert result.summary["events"] > 1000 and rec.calls[-1] == (200 * MS, 200 * MS)


def test_after_the_warning_the_run_can_be_cancelled_inside_a_chunk():
    hour = 3600 * S
    rec = Recorder(cancel_on_warning=True)
    sim = Simulation(_pingers(hour))
    with pytest.raises(RunCancelled):
        drive(sim, reporter=rec, chunks=10, limits=Limits.off(max_events=5000))
    assert rec.warnings and rec.calls == []  # the first chunk (6 min) never finished
    assert sim.env.now < hour // 10


def test_a_run_that_reaches_the_events_limit_later_is_stopped_there():
    # both hosts are paused for most of the run: the first slice is quiet, the end is not
    scenario = _pingers(S, faults=[{"kind": "pause", "host": h, "at": 0, "duration": 800 * MS}
                                   for h in ("h0", "h1")])
    total = run(scenario).summary["events"]
    rec = Recorder()
    with pytest.raises(RunLimitExceeded, match="after [0-9,]+ events, more than the limit") as info:
        run(scenario, reporter=rec, limits=Limits(max_events=total // 2), chunks=10)
    assert rec.warnings == []
    assert info.value.value > total // 2 and info.value.reached >= 800 * MS


def test_a_trace_over_its_size_limit_is_stopped_and_left_complete(tmp_path):
    out = tmp_path / "t.jsonl"
    with pytest.raises(RunLimitExceeded, match="trace") as info:
        run(_pingers(100 * S), JsonlSink(out), trace_path=out,
            limits=Limits(max_trace_bytes=200_000))
    assert info.value.limit == "max_trace_bytes"
    lines = out.read_text(encoding="utf-8").splitlines()  # the sink was closed: lines whole
    assert all(json.loads(line) for line in lines)
    assert out.stat().st_size < 2_000_000


def test_limits_and_slices_change_nothing_the_engine_computes(tmp_path):
    scenario = _pingers(2 * S, n=3)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run(scenario, JsonlSink(a), limits=Limits.off(), chunks=7)
    run(scenario, JsonlSink(b), limits=Limits(max_events=10 ** 9), chunks=200)
    assert a.read_bytes() == b.read_bytes()


# -- the command line ---------------------------------------------------------------------------


def test_sandbox_run_warns_stops_and_says_how_to_raise_the_limit(tmp_path, capsys):
    assert cli.main(["run", "message_passing_basics", "-q", "--until", "1000s",
                     "--max-events", "2000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "more than the limit of 2,000 events" in err
    assert "error: message_passing_basics: The run was stopped at" in err
    assert "--max-events N" in err and "--no-limits" in err
    assert cli.main(["run", "message_passing_basics", "-q", "--until", "1000s",
                     "--max-events", "2,000", "--no-limits"]) == 0
    out = capsys.readouterr()
    assert "warning: " in out.err and "error:" not in out.err and "events over" in out.out


def test_sandbox_run_holds_the_trace_file_to_its_size_limit(tmp_path, capsys):
    out = tmp_path / "t.jsonl"
    assert cli.main(["run", "message_passing_basics", "-q", "--until", "20000s",
                     "--out", str(out), "--max-trace-mb", "1"]) == 2
    err = capsys.readouterr().err
    assert "limit of 1 MiB" in err and "--max-trace-mb N" in err
    assert f"the trace up to there is in {out}" in err
    assert cli.main(["run", "message_passing_basics", "-q", "--max-hosts", "2"]) == 2
    assert "--max-hosts N" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_sandbox_run_refuses_a_bad_limit(value, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "message_passing_basics", "--max-events", value])
    assert info.value.code == 2 and "--max-events" in capsys.readouterr().err


# -- the clock-skew sampler ----------------------------------------------------------------------


def reference_sampler(self):
    """The sampler as it was (a set of the moving clocks rebuilt per host): the reference."""
    moving = [h for h, c in self.clocks.items() if c.base_local or c.nominal_rate != 1.0]
    still = [h for h in self.clocks if h not in set(moving)]
    step = max(1, self.until // 200)
    nodes = self.nodes
    while True:
        now = self.env.now
        for h in self._touched_clocks:
            if h in still:
                still.remove(h)
                moving.append(h)
        self._touched_clocks.clear()
        offsets = [self.clocks[h].offset(now) for h in moving if not nodes[h].crashed]
        if any(not nodes[h].crashed for h in still):
            offsets.append(0)
        if len(offsets) > 1:
            self.max_skew = max(self.max_skew, max(offsets) - min(offsets))
        yield self.env.timeout(step)


def _skews(scenario) -> tuple[int, int]:
    """The engine sampler's largest skew and the reference sampler's, on the same run."""
    sims = []
    for sampler in (None, reference_sampler):
        sim = Simulation(scenario)
        if sampler is not None:
            sim._skew_sampler = sampler.__get__(sim)
        sim.run()
        sims.append(sim)
    return sims[0].max_skew, sims[1].max_skew


def _clocked(n: int = 12, duration: int = S):
    """Drifting, perfect and offset clocks; crashes, a recovery, steps and slews of clocks."""
    hosts = []
    for i in range(n):
        clock = {"drift_ppm": (i * 37) % 200 - 100, "offset": (i % 3) * 250_000} if i % 4 else {}
        hosts.append(host(i, "ping", interval=20 * MS, clock=clock))
    ids = [f"h{i}" for i in range(n)]
    faults = [{"kind": "crash", "host": "h1", "at": 333 * MS + 7},
              {"kind": "recover", "host": "h1", "at": 701 * MS + 3},
              {"kind": "crash", "host": "h4", "at": 123 * MS + 1},
              {"kind": "clock_jump", "host": "h0", "at": 250 * MS + 11, "delta": 3 * MS},
              {"kind": "clock_jump", "host": "h8", "at": 500 * MS + 13, "delta": -2 * MS}]
    return scen(hosts, mesh(ids), duration=duration, faults=faults)


def test_the_skew_sampler_gives_the_values_of_the_reference():
    new, old = _skews(_clocked())
    assert new == old > 0
    summary = run(_clocked()).summary
    assert summary["max_clock_skew"] == max(old, summary["max_clock_skew"])
    # every host perfect but one stepped later: only then is there a spread
    quiet = scen([host(i) for i in range(5)], duration=S,
                 faults=[{"kind": "clock_jump", "host": "h2", "at": 600 * MS + 1, "delta": 5 * MS}])
    assert _skews(quiet) == (5 * MS, 5 * MS)
    # every drifting host crashed: nothing left to spread
    gone = scen([host(i, clock={"drift_ppm": 10 * i}) for i in range(3)], duration=S,
                faults=[{"kind": "crash", "host": f"h{i}", "at": 1} for i in range(3)])
    assert _skews(gone) == (0, 0)


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_every_preset_keeps_its_max_clock_skew(path):
    new, old = _skews(load(path))
    assert new == old
