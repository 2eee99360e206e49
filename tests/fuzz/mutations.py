"""Damage plans (hypothesis strategies) and how they turn a preset or a real trace into bad bytes.

A plan is plain data: a tuple of operations, each a tuple of a name and
integers that pick a place in the document (taken modulo the number of
candidate places, so one plan fits any base). :func:`damage` applies a plan
to a base document and returns the bytes of the damaged file. Every choice
comes from the plan, so a seed gives the same inputs on every machine.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st


class Raw(str):
    """A JSON token written as it is (``1e400``, ``NaN``, a 5000-digit integer)."""


@dataclass
class Nest:
    """``inner`` wrapped in ``depth`` levels of ``[`` or ``{"a":``."""

    depth: int
    bracket: str
    inner: Any


class DupKeys(dict):
    """A JSON object written with some keys twice (``extra`` pairs come after the others)."""

    extra: list[tuple[str, Any]]


# (label, value): the numbers and number-like strings a damaged field may get
EXTREMES: list[tuple[str, Any]] = [
    ("1e400", Raw("1e400")), ("-1e400", Raw("-1e400")), ("NaN", Raw("NaN")),
    ("Infinity", Raw("Infinity")), ("-Infinity", Raw("-Infinity")),
    ("2**70", 2 ** 70), ("-2**70", -(2 ** 70)), ("2**63", 2 ** 63), ("2**53+1", 2 ** 53 + 1),
    ("400 digits", Raw("9" * 400)), ("-400 digits", Raw("-" + "9" * 400)),
    ("5000 digits", Raw("9" * 5000)), ("1e308", 1e308), ("-1e308", -1e308),
    ("1e300", 1e300), ("1e19", Raw("1e19")), ("5e-324", 5e-324), ("-0.0", -0.0),
    ("-1", -1), ("0", 0), ("1", 1), ("0.5", 0.5), ("1e6", 1e6), ("1e9", 10 ** 9),
    ("1e15", 10 ** 15), ("true", True), ("false", False),
    ('"nan"', "nan"), ('"inf"', "inf"), ('"-inf"', "-inf"), ('"1e400"', "1e400"),
    ('"1e400s"', "1e400s"), ('"1e308min"', "1e308min"), ('"1e300h"', "1e300h"),
    ('"400-digit ns"', "9" * 400 + "ns"), ('"5000-digit s"', "9" * 5000 + "s"),
    ('"-5ms"', "-5ms"), ('"0s"', "0s"), ('"nans"', "nans"), ('"infms"', "infms"),
    ('"1e-400s"', "1e-400s"), ('"2**70"', "1180591620717411303424"), ('""', ""),
]

# strings a damaged text field may get
STRINGS: list[str] = [
    "\ud800", "\udfff", "ok\ud83d", "\x00", "caf\xe9", "\U0001f600", "\u202eevil", "", " ",
    "a\nb", "x" * 100_000, "\\", '"', "null", "h1", "..", "/etc/passwd", "%s%n", "\ufeff",
]

TYPES = ("int", "float", "string", "list", "null", "bool", "object", "numstring")
DEPTHS = (2, 50, 500, 999, 1000, 1001, 3000, 20_000, 100_000)
ENCODINGS = ("latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1252")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf", b"\x00\x00\xfe\xff")
JUNK_LINES = ("", "   ", "not json", "{", "[]", "null", "42", '{"seq":', "\x00\x00",
              '{"format":"ds-sandbox-trace","version":1}', "\ufeff{}")
TAILS = (b"\x00" * 64, b"\xff\xfe\xfd", b"\n\n\n", b"}", b"\x1a", b"\r", b" " * 1000)

_DURATION = re.compile(r"^-?[0-9.]+(e[0-9+-]+)?\s*(ns|us|ms|s|min|h)$")

# Subtrees put in at a known place (GRAFTS_*[i](ids, value) -> (path, value)): they reach
# fields no preset sets, such as a custom workload's rate points or a link cut fault.


def _scenario_grafts(a: str, b: str, v: Any) -> list[tuple[tuple, Any, str]]:
    """(path, value, how) triples: ``how`` is "set" (replace) or "append" (to a list)."""
    return [
        (("workload",), {"profile": "custom", "points": [{"t": 0, "rate": v}]}, "set"),
        (("workload",), {"profile": "custom", "points": [{"t": v, "rate": 10.0}]}, "set"),
        (("workload", "base_rate"), v, "set"),
        (("faults",), {"kind": "crash", "host": a, "at": v}, "append"),
        (("faults",), {"kind": "link_cut", "a": a, "b": b, "start": 0, "end": v}, "append"),
        (("faults",), {"kind": "partition", "sides": [[a], [b]], "start": v}, "append"),
        (("faults",), {"kind": "clock_jump", "host": a, "at": 0, "delta": v}, "append"),
        (("faults",), {"kind": "pause", "host": a, "at": 0, "duration": v}, "append"),
        (("faults",), {"kind": "drop_message", "msg": v, "at": 0}, "append"),
        (("faults",), {"kind": "loss_burst", "a": a, "b": b, "start": 0, "end": v}, "append"),
        (("links",), {"a": a, "b": b}, "append"),
        (("links",), {"a": a, "b": "ghost-host"}, "append"),
        (("groups",), {"id": "g-fuzz", "kind": "rack", "x": 0, "y": 0, "width": v,
                       "height": 100.0}, "append"),
        (("hosts", 0, "x"), v, "set"), (("hosts", 0, "y"), v, "set"),
        (("hosts", 0, "cores"), v, "set"), (("hosts", 0, "memory_pages"), v, "set"),
        (("hosts", 0, "clock", "drift_ppm"), v, "set"), (("hosts", 0, "clock", "offset"), v, "set"),
        (("hosts", 0, "failures", "mttf"), v, "set"), (("hosts", 0, "group"), "ghost-group", "set"),
        (("run", "duration"), v, "set"), (("run", "seed"), v, "set"),
        (("schema_version",), 1, "set"), (("links",), v, "set"), (("hosts",), v, "set"),
    ]


def _event_grafts(a: str, b: str, v: Any) -> list[tuple[tuple, Any, str]]:
    return [
        (("t",), v, "set"), (("seq",), v, "set"), (("local",), v, "set"), (("msg",), v, "set"),
        (("host",), v, "set"), (("host",), "ghost-host", "set"), (("peer",), "ghost-host", "set"),
        (("kind",), v, "set"), (("kind",), "no_such_kind", "set"), (("data",), v, "set"),
        (("data",), [1, 2], "set"), (("data",), "text", "set"), (("data", "latency"), v, "set"),
        (("data", "size"), v, "set"),
    ]


def _header_grafts(a: str, b: str, v: Any) -> list[tuple[tuple, Any, str]]:
    tops: list[tuple[tuple, Any, str]] = [
        (("version",), v, "set"), (("version",), "1", "set"), (("version",), None, "set"),
        (("version",), [1], "set"), (("format",), v, "set"), (("seed",), v, "set"),
        (("scenario",), v, "set"), (("scenario",), None, "set"), (("scenario_sha256",), v, "set"),
    ]
    return tops + [(("scenario",) + p, val, how) for p, val, how in _scenario_grafts(a, b, v)]


# -- the plan strategies -----------------------------------------------------------------------

_I = st.integers(0, 2 ** 31 - 1)
_NUMBER = st.one_of(st.integers(), st.floats(), st.integers(-(2 ** 80), 2 ** 80))

TREE_OPS = st.one_of(
    st.tuples(st.just("retype"), _I, _I, st.sampled_from(TYPES)),
    st.tuples(st.just("extreme"), _I, _I, st.integers(0, len(EXTREMES) - 1)),
    st.tuples(st.just("number"), _I, _I, _NUMBER),
    st.tuples(st.just("delete"), _I, _I),
    st.tuples(st.just("graft"), _I, _I, st.integers(0, len(EXTREMES) - 1)),
    st.tuples(st.just("unknown_ref"), _I, _I),
    st.tuples(st.just("string"), _I, _I, st.integers(0, len(STRINGS) - 1)),
    st.tuples(st.just("dup_key"), _I, _I, _I),
    st.tuples(st.just("dup_item"), _I, _I),
    st.tuples(st.just("nest"), _I, _I, st.sampled_from(DEPTHS), st.sampled_from("[{")),
    st.tuples(st.just("copy"), _I, _I, _I),
    st.tuples(st.just("rename_key"), _I, _I),
    st.tuples(st.just("time_back"), _I, _I),
)
LINE_OPS = st.one_of(
    st.tuples(st.just("line_delete"), _I), st.tuples(st.just("line_dup"), _I),
    st.tuples(st.just("line_swap"), _I, _I),
    st.tuples(st.just("line_insert"), _I, st.integers(0, len(JUNK_LINES) - 1)),
)
BYTE_OPS = st.one_of(
    st.tuples(st.just("truncate"), _I), st.tuples(st.just("encode"), st.sampled_from(ENCODINGS)),
    st.tuples(st.just("latin1"), _I), st.tuples(st.just("bom"), st.integers(0, len(BOMS) - 1)),
    st.tuples(st.just("byte"), _I, st.integers(0, 255)), st.tuples(st.just("crlf")),
    st.tuples(st.just("tail"), st.integers(0, len(TAILS) - 1)),
    st.tuples(st.just("empty"), st.sampled_from(("", " \n", "\ufeff"))),
)

#: A plan: (base index and gates, tree operations, line operations, byte operations,
#: ensure_ascii); see :func:`damage`
PLANS = st.tuples(
    _I,
    st.lists(TREE_OPS, min_size=0, max_size=3),
    st.lists(LINE_OPS, min_size=0, max_size=1),
    st.lists(BYTE_OPS, min_size=0, max_size=1),
    st.booleans(),
).filter(lambda p: bool(p[1] or p[2] or p[3]))


# -- the documents -----------------------------------------------------------------------------


@dataclass
class Base:
    """A document to damage: a scenario (one object) or a trace (header, then event objects)."""

    name: str
    kind: str  # "scenario" or "trace"
    objects: list[Any]
    ids: list[str] = field(default_factory=list)
    #: a trace's lines as the engine wrote them (an undamaged line is written as it was)
    lines: list[str] = field(default_factory=list)


def scenario_base(name: str, data: dict[str, Any], v1: bool = False) -> Base:
    """A preset as a base; with ``v1`` written as schema version 1 (links' ``latency`` as ``delay``)."""
    data = copy.deepcopy(data)
    if v1:
        data["schema_version"] = 1
        for link in data.get("links", []):
            if "latency" in link:
                link["delay"] = link.pop("latency")
        name += " (v1)"
    return Base(name, "scenario", [data], _ids(data))


def trace_base(name: str, lines: list[str], max_events: int) -> Base:
    """A real trace (its JSONL lines) as a base, cut to its first ``max_events`` events."""
    lines = [line for line in lines[: max_events + 1] if line.strip()]
    objects = [json.loads(line) for line in lines]
    return Base(name, "trace", objects, _ids(objects[0].get("scenario") or {}), lines)


def _ids(scenario: dict[str, Any]) -> list[str]:
    ids = [h.get("id") for h in scenario.get("hosts", []) if isinstance(h, dict)]
    ids += [g.get("id") for g in scenario.get("groups", []) if isinstance(g, dict)]
    return [i for i in ids if isinstance(i, str)] or ["h1", "h2"]


# -- applying a plan ---------------------------------------------------------------------------


def _places(tree: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in ``tree``, parents before children (a holder wraps the root)."""
    holder = {"_": tree}
    out: list[tuple[Any, Any]] = []
    stack: list[tuple[Any, Any]] = [(holder, "_")]
    while stack:
        parent, key = stack.pop()
        out.append((parent, key))
        value = parent[key]
        if isinstance(value, dict):
            stack.extend((value, k) for k in reversed(list(value)))
        elif isinstance(value, list):
            stack.extend((value, i) for i in reversed(range(len(value))))
    return out


def _pick(places: list[tuple[Any, Any]], n: int, want: Any = None) -> tuple[Any, Any]:
    chosen = [p for p in places if want(p[0][p[1]])] if want else places
    chosen = chosen or places
    return chosen[n % len(chosen)]


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or (
        isinstance(v, str) and bool(_DURATION.match(v)))


def _retyped(value: Any, kind: str) -> Any:
    return {"int": 7, "float": 2.5, "string": "text", "list": [value], "null": None,
            "bool": True, "object": {"value": value}, "numstring": "12"}[kind]


def _tree_op(op: tuple, base: Base, objects: list[Any], touched: set[int]) -> None:
    name, where = op[0], op[1]
    if base.kind == "scenario" or len(objects) == 1:
        line = 0
    else:  # a fifth of the operations damage the header
        line = 0 if where % 5 == 0 else 1 + (where // 5) % (len(objects) - 1)
    for i in (line, line - 1):
        if i >= 0 and i not in touched:  # copied only when damaged (time_back reads line - 1)
            objects[i] = copy.deepcopy(objects[i])
            touched.add(i)
    holder = {"_": objects[line]}
    places = _places(holder["_"])
    places[0] = (holder, "_")
    n = op[2]
    a, b = base.ids[0], base.ids[1 % len(base.ids)]
    if name == "graft":
        value = EXTREMES[op[3]][1]
        if base.kind == "scenario":
            grafts = _scenario_grafts(a, b, value)
        else:
            grafts = _header_grafts(a, b, value) if line == 0 else _event_grafts(a, b, value)
        path, new, how = grafts[n % len(grafts)]
        _graft(holder["_"], path, copy.deepcopy(new), how)
    elif name == "time_back" and line > 0:
        prev = objects[line - 1].get("t", 0) if isinstance(objects[line - 1], dict) else 0
        if isinstance(objects[line], dict) and isinstance(prev, int):
            objects[line]["t"] = prev - 1 - n % 1000
    else:
        parent, key = _pick(places, n, _WANTS.get(name))
        _apply_at(name, op, parent, key, places, base)
    objects[line] = holder["_"]


_WANTS = {
    "extreme": _is_number, "number": _is_number, "string": lambda v: isinstance(v, str),
    "dup_key": lambda v: isinstance(v, dict) and bool(v), "dup_item": lambda v: isinstance(
        v, list) and bool(v), "rename_key": lambda v: isinstance(v, dict) and bool(v),
    "delete": None, "unknown_ref": None,
}


def _apply_at(name: str, op: tuple, parent: Any, key: Any, places: list, base: Base) -> None:
    value = parent[key]
    if name == "retype":
        parent[key] = _retyped(value, op[3])
    elif name == "extreme":
        parent[key] = EXTREMES[op[3]][1]
    elif name == "number":
        parent[key] = op[3]
    elif name == "string":
        parent[key] = STRINGS[op[3]]
    elif name == "delete":
        if key != "_":
            del parent[key]
    elif name == "unknown_ref":
        refs = [p for p in places if isinstance(p[0][p[1]], str) and p[0][p[1]] in base.ids]
        if refs:
            rp, rk = refs[op[2] % len(refs)]
            rp[rk] = "ghost-" + rp[rk]
    elif name == "dup_key" and isinstance(value, dict) and value:
        dup = DupKeys(value)
        keys = list(value)
        k = keys[op[3] % len(keys)]
        dup.extra = [(k, _retyped(value[k], TYPES[op[3] % len(TYPES)]))]
        parent[key] = dup
    elif name == "dup_item" and isinstance(value, list) and value:
        value.append(copy.deepcopy(value[op[2] % len(value)]))
    elif name == "nest":
        parent[key] = Nest(op[3], op[4], value)
    elif name == "copy":
        sp, sk = places[op[3] % len(places)]
        parent[key] = copy.deepcopy(sp[sk])
    elif name == "rename_key" and isinstance(value, dict) and value:
        keys = list(value)
        k = keys[op[2] % len(keys)]
        value["X" + k.upper()] = value.pop(k)


def _graft(tree: Any, path: tuple, value: Any, how: str) -> None:
    node = tree
    for step in path[:-1]:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.setdefault(step, {})
        elif isinstance(node, list) and isinstance(step, int) and node:
            node = node[step % len(node)]
        else:
            return
    last = path[-1]
    if not isinstance(node, (dict, list)):
        return
    if how == "append":
        target = node.get(last) if isinstance(node, dict) else None
        if isinstance(target, list):
            target.append(value)
        elif isinstance(node, dict):
            node[last] = [value]
    elif isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and node:
        node[last % len(node)] = value


def emit(value: Any, ensure_ascii: bool, indent: int | None, level: int = 0) -> str:
    """JSON text of ``value`` with the damage kept: raw tokens, nesting and duplicate keys."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Nest):
        inner = emit(value.inner, ensure_ascii, None)
        if value.bracket == "[":
            return "[" * value.depth + inner + "]" * value.depth
        return '{"a":' * value.depth + inner + "}" * value.depth
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=ensure_ascii)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        pairs = list(value.items()) + list(getattr(value, "extra", []))
        parts = [json.dumps(str(k), ensure_ascii=ensure_ascii) + ": "
                 + emit(v, ensure_ascii, indent, level + 1) for k, v in pairs]
        return _join("{", "}", parts, indent, level)
    if isinstance(value, list):
        return _join("[", "]", [emit(v, ensure_ascii, indent, level + 1) for v in value],
                     indent, level)
    return json.dumps(str(value))


def _join(left: str, right: str, parts: list[str], indent: int | None, level: int) -> str:
    if not parts:
        return left + right
    if indent is None:
        return left + ",".join(p.replace(": ", ":", 1) for p in parts) + right
    pad = "\n" + " " * (indent * (level + 1))
    return left + pad + ("," + pad).join(parts) + "\n" + " " * (indent * level) + right


def _line_op(op: tuple, lines: list[str]) -> None:
    if not lines:
        return
    i = op[1] % len(lines)
    if op[0] == "line_delete":
        del lines[i]
    elif op[0] == "line_dup":
        lines.insert(i, lines[i])
    elif op[0] == "line_swap":
        j = op[2] % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif op[0] == "line_insert":
        lines.insert(i, JUNK_LINES[op[2]])


def _byte_op(op: tuple, text: str, data: bytes) -> bytes:
    name = op[0]
    if name == "truncate":
        return data[: op[1] % max(1, len(data))]
    if name == "encode":
        return text.encode(op[1], errors="backslashreplace")
    if name == "latin1":
        quotes = [m.start() for m in re.finditer('"', text)] or [0]
        at = quotes[op[1] % len(quotes)] + 1
        return (text[:at] + "\xe9t\xe9 " + text[at:]).encode("latin-1", errors="backslashreplace")
    if name == "bom":
        return BOMS[op[1]] + data
    if name == "byte":
        at = op[1] % max(1, len(data))
        return data[:at] + bytes([op[2]]) + data[at:]
    if name == "crlf":
        return data.replace(b"\n", b"\r\n")
    if name == "tail":
        return data + TAILS[op[1]]
    if name == "empty":
        return op[1].encode("utf-8")
    return data


def damage(base: Base, plan: tuple) -> bytes:
    """The bytes of ``base`` damaged by ``plan`` (see :data:`PLANS`)."""
    gate, tree_ops, line_ops, byte_ops, ensure_ascii = plan
    if base.kind == "scenario" and tree_ops and gate % 4:
        line_ops = []  # an input damaged in its tree keeps its lines three times in four
    if tree_ops and (gate >> 4) % 4:
        byte_ops = []  # and its bytes three times in four
    objects = list(base.objects)
    touched: set[int] = set()
    for op in tree_ops:
        _tree_op(op, base, objects, touched)
    if base.kind == "scenario":
        text = emit(objects[0], ensure_ascii, 2) + "\n"
        lines = text.split("\n")
        for op in line_ops:
            _line_op(op, lines)
        text = "\n".join(lines)
    else:
        lines = [emit(o, ensure_ascii, None) if i in touched
                 else base.lines[i] for i, o in enumerate(objects)]
        for op in line_ops:
            _line_op(op, lines)
        text = "\n".join(lines) + "\n"
    data = text.encode("utf-8", errors="surrogatepass")
    for op in byte_ops:
        data = _byte_op(op, text, data)
    return data


def describe(base: Base, plan: tuple) -> str:
    """A plan in words (saved beside a failing input; the gates of :func:`damage` may have
    skipped its line or byte operation)."""
    _, tree_ops, line_ops, byte_ops, ensure_ascii = plan
    out = [f"base: {base.name} ({base.kind})", f"ensure_ascii: {ensure_ascii}"]
    for op in (*tree_ops, *line_ops, *byte_ops):
        if op[0] in ("extreme", "graft"):
            op = (*op[:-1], EXTREMES[op[-1]][0])
        elif op[0] == "string":
            op = (*op[:-1], repr(STRINGS[op[-1]])[:40])
        out.append("op: " + repr(op))
    return "\n".join(out)
