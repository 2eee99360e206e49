"""The RPC checkers on hand-made traces: one that breaks each guarantee and one that keeps it."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks


def _header(semantics: str) -> dict:
    return {"scenario": {"hosts": [
        {"id": "s", "behaviour": {"name": "rpc_server", "params": {"semantics": semantics}}},
        {"id": "c", "behaviour": {"name": "rpc_client", "params": {"server": "s"}}},
    ], "run": {"duration": 1000}}}


def _trace(rows) -> list[TraceEvent]:
    """Events from (t, host, app name, values); read back from JSON as a trace file is."""
    evs = [TraceEvent(i, t, "app", h, t, None, None, {"name": name, **values})
           for i, (t, h, name, values) in enumerate(rows)]
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdicts(semantics, rows):
    return {v.name: v for v in run_checks(_header(semantics), _trace(rows))}


CALL = (10, "c", "rpc_call", {"id": "c-1", "server": "s", "method": "increment", "try": 1})
EXEC = (20, "s", "rpc_execute", {"id": "c-1", "client": "c", "method": "increment"})
RETRY = (30, "c", "rpc_call", {"id": "c-1", "server": "s", "method": "increment", "try": 2})
EXEC2 = (40, "s", "rpc_execute", {"id": "c-1", "client": "c", "method": "increment"})
DUP = (40, "s", "rpc_duplicate", {"id": "c-1", "client": "c", "method": "increment",
                                  "answered": True})
RET = (50, "c", "rpc_return", {"id": "c-1", "ok": True, "value": 1, "tries": 2, "latency": 40})


def test_a_second_execution_of_a_request_breaks_at_most_once():
    v = _verdicts("at_most_once", [CALL, EXEC, RETRY, EXEC2, RET])
    am = v["rpc.at_most_once"]
    assert not am.ok and am.promised
    assert am.seq == 3 and am.related == (1,)
    assert "c-1" in am.reason() and "second time" in am.reason()
    assert v["rpc.at_least_once"].ok


def test_a_retry_answered_from_the_table_keeps_at_most_once():
    v = _verdicts("at_most_once", [CALL, EXEC, RETRY, DUP, RET])
    assert v["rpc.at_most_once"].ok and v["rpc.at_most_once"].checked == 1
    assert v["rpc.at_least_once"].ok and v["rpc.at_least_once"].checked == 1


def test_at_most_once_is_not_promised_by_an_at_least_once_server():
    v = _verdicts("at_least_once", [CALL, EXEC, RETRY, EXEC2, RET])
    assert not v["rpc.at_most_once"].ok and not v["rpc.at_most_once"].promised


def test_a_success_without_an_execution_breaks_at_least_once():
    v = _verdicts("at_least_once", [CALL, RETRY, RET])
    al = v["rpc.at_least_once"]
    assert not al.ok and al.promised and al.seq == 2
    assert "c-1" in al.reason()


def test_a_failed_call_without_an_execution_claims_nothing():
    failed = (50, "c", "rpc_return", {"id": "c-1", "ok": False, "error": "timeout",
                                      "tries": 2, "latency": 40})
    v = _verdicts("at_least_once", [CALL, RETRY, failed])
    assert v["rpc.at_least_once"].ok and v["rpc.at_least_once"].checked == 0


def test_an_execution_after_the_success_does_not_count():
    v = _verdicts("at_least_once", [CALL, RET, EXEC])
    assert not v["rpc.at_least_once"].ok
