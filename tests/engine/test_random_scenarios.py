"""Random valid scenarios (hypothesis) run without a behaviour error and give a trace that
obeys every trace invariant."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PARAMS

from sandbox.engine import Simulation
from sandbox.scenario import scenario_from_dict
from sandbox.scenario.registry import behaviour
from sandbox.scenario.registry import names as behaviour_names
from sandbox.trace import MemorySink

from .helpers import (
    MS,
    US,
    S,
    check_trace,
    host,
    link,
    run,
    scen,
)

# -- random valid scenarios -----------------------------------------------------------------

DISTS = ["constant", "uniform", "normal", "exponential", "lognormal", "pareto"]
BYZ = ["corrupt", "equivocate", "forge_clock", "replay"]


def durations(lo: int, hi: int):
    return st.integers(lo, hi)


@st.composite
def clocks(draw):
    return {
        "offset": draw(st.integers(-S, S)),
        "drift_ppm": draw(st.floats(-1000, 1000, allow_nan=False)),
        "resolution": draw(st.sampled_from([1, 1, 1000, US * 100])),
        "jitter": draw(st.sampled_from([0, 0, 500, 50 * US])),
    }


@st.composite
def failure_specs(draw):
    prob = st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0])
    f: dict = {}
    how = draw(st.sampled_from(["none", "none", "probability", "mttf"]))
    if how == "probability":
        f["crash_probability"] = draw(st.sampled_from([0.1, 0.5, 0.9, 1.0]))
        f["crash_period"] = draw(durations(10 * MS, S))
    elif how == "mttf":
        f["mttf"] = draw(durations(10 * MS, S))
    if how != "none" and draw(st.booleans()):
        f["mttr"] = draw(durations(MS, 200 * MS))
    f["state_on_crash"] = draw(st.sampled_from(["lost", "kept"]))
    f["crash_mode"] = draw(st.sampled_from(["fail_stop", "fail_silent"]))
    f["timing_probability"] = draw(prob)
    f["timing_slowdown"] = draw(st.floats(1, 50))
    f["send_omission"] = draw(prob)
    f["receive_omission"] = draw(prob)
    f["byzantine_probability"] = draw(prob)
    f["byzantine_behaviour"] = draw(st.sampled_from(BYZ))
    return f


@st.composite
def behaviour_specs(draw, ids: list[str]):
    name = draw(st.sampled_from(sorted(behaviour_names())))
    # Every behaviour has its strategy in tests/strategies (a new behaviour needs one there).
    assert name in PARAMS, f"no parameter strategy for behaviour {name!r} in tests/strategies"
    p = PARAMS[name](draw, ids)
    # Every parameter of the behaviour is drawn.
    assert set(p) == set(behaviour(name).params.model_fields), name
    return {"name": name, "params": p}


@st.composite
def latencies(draw):
    if draw(st.integers(0, 5)) == 0:
        return None
    dist = draw(st.sampled_from(DISTS))
    mean = draw(durations(0, 20 * MS))
    spread = draw(durations(0, mean)) if dist in ("uniform", "normal") else 0
    shape = draw(st.floats(1.05, 4.0)) if dist in ("lognormal", "pareto") else 1.5
    return {"dist": dist, "mean": mean, "spread": spread, "shape": shape}


@st.composite
def faults(draw, ids: list[str], links: list[dict], duration: int):
    t = durations(0, duration)
    kind = draw(st.sampled_from(["crash", "recover", "pause", "byzantine", "partition",
                                 "clock_jump", "loss_burst", "link_cut", "drop_message"]))
    h = draw(st.sampled_from(ids))
    if kind in ("crash", "recover"):
        return {"kind": kind, "host": h, "at": draw(t)}
    if kind == "pause":
        return {"kind": kind, "host": h, "at": draw(t), "duration": draw(durations(1, duration))}
    if kind == "byzantine":
        return {"kind": kind, "host": h, "at": draw(t), "behaviour": draw(st.sampled_from(BYZ)),
                "probability": draw(st.floats(0, 1))}
    if kind == "clock_jump":
        return {"kind": kind, "host": h, "at": draw(t), "delta": draw(st.integers(-S, S))}
    if kind == "drop_message":
        return {"kind": kind, "msg": draw(st.integers(0, 200)), "at": draw(t)}
    if kind == "partition":
        shuffled = draw(st.permutations(ids))
        cut = draw(st.integers(1, max(1, len(ids) - 1)))
        sides = [list(shuffled[:cut]), list(shuffled[cut:])]
        if len(sides[1]) > 1 and draw(st.booleans()):
            sides = [sides[0], sides[1][:1], sides[1][1:]]
        start = draw(t)
        end = draw(st.none() | durations(start + 1, duration + 1))
        return {"kind": kind, "sides": sides, "start": start, "end": end,
                "one_way": draw(st.booleans())}
    # link faults: on an existing link, either way round (a pair with no link is refused)
    if not links:
        return {"kind": "crash", "host": h, "at": draw(t)}
    ln = draw(st.sampled_from(links))
    a, b = (ln["a"], ln["b"]) if draw(st.booleans()) else (ln["b"], ln["a"])
    start = draw(t)
    if kind == "loss_burst":
        return {"kind": kind, "a": a, "b": b, "start": start,
                "end": draw(durations(start + 1, duration + 1)), "loss": draw(st.floats(0, 1))}
    return {"kind": kind, "a": a, "b": b, "start": start,
            "end": draw(st.none() | durations(start + 1, duration + 1))}


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 8))
    ids = [f"h{i}" for i in range(n)]
    groups = []
    for g in range(draw(st.integers(0, 3))):
        parent = draw(st.none() | st.sampled_from([x["id"] for x in groups])) if groups else None
        groups.append({"id": f"g{g}", "kind": draw(st.sampled_from(["rack", "datacenter",
                                                                    "region"])),
                       "parent": parent})
    hosts = []
    for hid in ids:
        hosts.append({
            "id": hid,
            "kind": draw(st.sampled_from(["machine", "vm", "container"])),
            "group": draw(st.none() | st.sampled_from([g["id"] for g in groups]))
            if groups else None,
            "cores": draw(st.integers(1, 4)),
            "clock": draw(clocks()),
            "failures": draw(failure_specs()),
            "memory_pages": draw(st.integers(0, 16)),
            "behaviour": draw(behaviour_specs(ids)),
        })
    links = []
    if n > 1:
        pairs = [(a, b) for a in ids for b in ids if a != b]
        topology = draw(st.sampled_from(["random", "ring", "mesh"]))
        if topology == "ring":
            chosen = [(ids[i], ids[(i + 1) % n]) for i in range(n if n > 2 else 1)]
        elif topology == "mesh":
            chosen = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
        else:
            chosen = draw(st.lists(st.sampled_from(pairs), max_size=2 * n))
        seen: set = set()
        for a, b in chosen:
            directed = draw(st.booleans())
            key = (a, b) if directed else frozenset((a, b))
            if key in seen:
                continue  # a duplicate link is refused
            seen.add(key)
            links.append({
                "a": a, "b": b, "latency": draw(latencies()),
                "bandwidth": draw(st.none() | st.floats(1e4, 1e10)),
                "loss": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
                "corruption": draw(st.sampled_from([0.0, 0.1, 1.0])),
                "duplication": draw(st.sampled_from([0.0, 0.1, 1.0])),
                "reordering": draw(st.sampled_from([0.0, 0.3, 1.0])),
                "timing_probability": draw(st.sampled_from([0.0, 0.2])),
                "timing_slowdown": draw(st.floats(1, 100)),
                "directed": directed,
            })
    duration = draw(durations(50 * MS, 500 * MS))
    model = {
        "communication": draw(st.sampled_from(["message_passing", "shared_memory", "dsm"])),
        "synchrony": draw(st.sampled_from(["synchronous", "partially_synchronous",
                                           "asynchronous"])),
        "delivery_bound": draw(durations(1, 50 * MS)),
        "step_bound": draw(durations(1, 10 * MS)),
        "gst": draw(durations(0, duration)),
        "async_tail": draw(st.floats(1.01, 10)),
    }
    memory = {
        "page_size": draw(st.sampled_from([64, 4096])),
        "pages": draw(st.integers(1, 64)),
        "placement": draw(st.sampled_from(["round_robin", "blocked", "by_capacity"])),
        "local_cost": draw(durations(0, 10 * US)),
        "remote_cost": draw(durations(0, MS)),
        "coherence": draw(st.sampled_from(["fixed_home", "migrate_on_write",
                                           "read_replication"])),
        "bus_capacity": draw(st.integers(1, 4)),
        "timeout": draw(durations(MS, 50 * MS)),
        "retries": draw(st.integers(0, 3)),
    }
    profile = draw(st.sampled_from(["constant", "diurnal", "lunch_peak", "black_friday",
                                    "custom"]))
    rates = st.just(0.0) | st.floats(0, 500) | st.floats(0, 1e-290)
    workload = {"profile": profile, "base_rate": draw(rates),
                "peak_rate": draw(rates), "period": draw(durations(MS, 2 * S)),
                "spike_at": draw(durations(0, duration)),
                "spike_length": draw(durations(1, duration))}
    if profile == "custom":
        times = sorted(draw(st.lists(durations(0, duration), min_size=1, max_size=5)))
        workload["points"] = [{"t": t, "rate": draw(rates)} for t in times]
    fs = draw(st.lists(faults(ids, links, duration), max_size=6))
    data = {"hosts": hosts, "links": links, "groups": groups, "model": model,
            "memory": memory, "workload": workload, "faults": fs,
            "run": {"seed": draw(st.integers(0, 2**63 - 1)), "duration": duration}}
    return scenario_from_dict(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(scenarios())
def test_random_valid_scenarios_run(scenario):
    mem = MemorySink()
    sim = Simulation(scenario, mem)
    n = sim.run()
    assert n == len(mem.events)
    assert sim.errors == [], sim.errors
    check_trace(scenario, mem.events, scenario.run.duration)


def test_workload_client_with_a_tiny_rate():
    """A valid rate so low that its first gap overflows a float: no request, no error."""
    s = scen([host(0, "workload_client", servers=["h1"]), host(1, "rr_server")],
             [link("h0", "h1")], duration=100 * MS,
             workload={"profile": "constant", "base_rate": 1e-300})
    _, ev, su = run(s)  # run() asserts that no behaviour raised
    assert su["sent"] == 0


def test_every_behaviour_is_covered_by_the_strategy():
    from sandbox.engine.protocols import load_behaviour
    from sandbox.scenario.registry import behaviours

    # The strategy draws from the registry; each record has code the engine can load.
    infos = list(behaviours())
    assert [info.name for info in infos] == list(behaviour_names())
    assert all(callable(load_behaviour(info)) for info in infos)
