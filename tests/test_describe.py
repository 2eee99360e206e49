"""The one describer of events: the exports' line and the event log's details say the same."""

from __future__ import annotations

from pathlib import Path

from sandbox.engine import run
from sandbox.scenario import load
from sandbox.trace.describe import KIND_LABELS, describe_event, event_details, event_headline

DATA = Path(__file__).resolve().parent / "data"


def _events():
    out = []
    for name in ("guard_mixed.json", "guard_dsm_replication.json"):
        out += run(load(DATA / name), keep_events=True).events
    return out


def test_every_kind_of_a_rich_run_is_described_without_artefacts():
    events = _events()
    kinds = {ev.kind for ev in events}
    assert {"send", "deliver", "drop", "crash", "recover", "clock_adjust", "mem", "app",
            "partition", "byzantine"} <= kinds
    for ev in events:
        line = describe_event(ev)
        assert line.startswith(KIND_LABELS.get(ev.kind, ev.kind)), line
        assert "True" not in line and "None" not in line and "\n" not in line, (ev, line)


def test_the_export_line_holds_every_detail_the_log_shows_but_the_payload():
    for ev in _events():
        line = describe_event(ev)
        assert event_headline(ev) in line
        for phrase in event_details(ev, payload=False):
            assert phrase in line, (ev, phrase, line)


def test_templates_are_translated_whole():
    """A translator sees whole templates and may reorder their fields."""
    from sandbox.trace.events import TraceEvent

    ev = TraceEvent(0, 0, "deliver", "b", 0, 12, "a", {"latency": 5_000_000})
    table = {"{kind} m{msg} from {peer}": "{peer} -> m{msg} ({kind})", "deliver": "entrega",
             "latency {0}": "latência {0}", "{text} ({details})": "{text}: {details}"}
    line = describe_event(ev, tr=lambda s: table.get(s, s))
    assert line == "a -> m12 (entrega): latência 5ms"
