"""The one run loop: what it reports, how it stops, and that every caller gets the same
trace and the same summary."""

from __future__ import annotations

import hashlib
import json

import pytest

from sandbox import cli
from sandbox.engine import Reporter, RunCancelled, Simulation, run
from sandbox.sweep import run_one
from sandbox.trace import JsonlSink, MemorySink

from .helpers import MS, S, host, link, scen


def _scenario(duration: int = S):
    return scen([host(0, "ping", interval=5 * MS), host(1, "ping", interval=7 * MS)],
                [link("h0", "h1")], duration=duration)


class Recorder(Reporter):
    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.errors: list[tuple[str, str]] = []
        self.stop_after = stop_after

    def progress(self, now: int, until: int) -> None:
        self.calls.append((now, until))

    def cancelled(self) -> bool:
        return self.stop_after is not None and len(self.calls) >= self.stop_after

    def behaviour_error(self, host: str, error: str) -> None:
        self.errors.append((host, error))


def test_progress_rises_to_the_end_once_per_chunk():
    rec = Recorder()
    result = run(_scenario(), reporter=rec, chunks=10)
    nows = [now for now, _ in rec.calls]
    assert len(nows) == 10 and nows == sorted(nows) and nows[-1] == S
    assert {until for _, until in rec.calls} == {S}
    assert result.until == S


def test_a_cancelled_run_stops_between_chunks_and_closes_its_sink(tmp_path):
    out = tmp_path / "t.jsonl"
    rec = Recorder(stop_after=3)
    with pytest.raises(RunCancelled):
        run(_scenario(), JsonlSink(out), reporter=rec, chunks=10)
    assert len(rec.calls) == 3
    lines = out.read_text(encoding="utf-8").splitlines()  # closed: every line complete
    assert json.loads(lines[0])["format"] and all(json.loads(line) for line in lines)
    assert max(json.loads(line)["t"] for line in lines[1:]) <= 3 * S // 10


def test_behaviour_errors_reach_the_reporter_and_the_summary(monkeypatch):
    import sandbox.engine.simulation as simulation

    real = simulation.load_behaviour

    def faulty(node, params):
        yield from node.sleep(MS)
        if node.id == "h1":
            raise ZeroDivisionError("division by zero")
        yield from real(info)(node, params)

    info = simulation.registered_behaviour("ping")
    monkeypatch.setattr(simulation, "load_behaviour", lambda _info: faulty)
    rec = Recorder()
    result = run(_scenario(100 * MS), reporter=rec)
    assert rec.errors == [("h1", "ZeroDivisionError: division by zero")]
    assert result.summary["behaviour_errors"] == 1
    assert result.errors == ["h1: ZeroDivisionError: division by zero"]
    assert result.summary["sent"] > 0  # h0 went on


def test_chunking_and_the_entry_point_change_no_trace(tmp_path):
    """Simulation.run, run() with any chunking, and keep_events all write the same trace."""
    digests = set()
    for i, chunks in enumerate((1, 7, 200)):
        out = tmp_path / f"{i}.jsonl"
        run(_scenario(), JsonlSink(out), chunks=chunks)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    out = tmp_path / "sim.jsonl"
    Simulation(_scenario(), JsonlSink(out)).run()
    digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1
    kept = run(_scenario(), keep_events=True)
    mem = MemorySink()
    run(_scenario(), mem)
    assert kept.events == mem.events and kept.header == mem.header


def test_the_summary_is_the_same_for_the_command_line_sweeps_and_the_gui_loop(tmp_path, capsys):
    scenario = _scenario(200 * MS)
    path = tmp_path / "s.json"
    path.write_text(scenario.model_dump_json(), encoding="utf-8")
    assert cli.main(["run", str(path), "--json", "--quiet", "--seed", "3"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_sweep = run_one(scenario.model_dump(mode="json"), 3)
    from_run = run(scenario, seed=3, keep_events=True).summary
    assert from_cli == from_sweep == json.loads(json.dumps(from_run))
    assert {"seed", "max_clock_skew", "behaviour_errors", "sent", "availability"} <= set(from_cli)
