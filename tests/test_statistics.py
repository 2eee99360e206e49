"""Statistics of runs agree with theory, within tolerances from the sample size.

Every expected value comes from the configuration and probability theory
(binomial and Poisson counts, moments of the latency distributions,
renewal theory for crash/repair cycles); the tolerance is ``Z`` standard
errors of the estimator for the sample at hand. Seeds are fixed, so the
tests are repeatable; with Z = 4.5 a correct engine fails one of them by
chance about once in 150,000 runs per check.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest

from sandbox.engine import Simulation
from sandbox.engine.clock import HostClock
from sandbox.scenario import ClockSpec, Scenario, scenario_from_dict
from sandbox.trace import MemorySink, StatsSink, TeeSink

US, MS, S = 1_000, 1_000_000, 1_000_000_000
Z = 4.5
UNBOUNDED_SYNC = {"synchrony": "synchronous", "delivery_bound": 3600 * S}


def scen(hosts, links=(), duration=S, seed=11, **kw) -> Scenario:
    data = {"hosts": hosts, "links": list(links), "run": {"duration": duration, "seed": seed}}
    data.update(kw)
    return scenario_from_dict(data)


def run(scenario: Scenario, seed: int | None = None):
    mem, stats = MemorySink(), StatsSink()
    sim = Simulation(scenario, TeeSink(mem, stats), seed=seed)
    sim.run()
    assert sim.errors == []
    return mem.events, stats.summary(sim.until)


def pinger(i: int | str = 0, interval="1ms", **kw) -> dict:
    hid = i if isinstance(i, str) else f"h{i}"
    d = {"id": hid, "behaviour": {"name": "ping", "params": {"interval": interval}}}
    d.update(kw)
    return d


def idle(i: int | str, **kw) -> dict:
    d = {"id": i if isinstance(i, str) else f"h{i}"}
    d.update(kw)
    return d


def binomial_ok(successes: int, n: int, p: float, z: float = Z) -> tuple[bool, str]:
    se = math.sqrt(p * (1 - p) / n)
    est = successes / n
    return abs(est - p) <= z * se, f"{successes}/{n} = {est:.5f}, expected {p:.5f} +/- {z * se:.5f}"


def fates(events):
    out = {}
    for e in events:
        if e.kind in ("deliver", "drop"):
            out[e.msg] = e
    return out


# -- message loss, duplication, corruption --------------------------------------------------


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5])
def test_loss_rate(p):
    s = scen([pinger(0, "1ms"), idle(1)],
             [{"a": "h0", "b": "h1", "loss": p, "latency": {"dist": "constant", "mean": MS}}],
             duration=4 * S)
    ev, _ = run(s)
    ended = [f for f in fates(ev).values()]
    n = len(ended)
    lost = sum(1 for f in ended if f.kind == "drop" and f.data["reason"] == "loss")
    assert n > 3000
    assert all(f.kind == "deliver" or f.data["reason"] == "loss" for f in ended)
    ok, why = binomial_ok(lost, n, p)
    assert ok, why


def test_loss_compounds_over_hops():
    # Two lossy hops: a message arrives with probability (1 - p)^2.
    p = 0.2
    lat = {"dist": "constant", "mean": MS}
    s = scen([pinger(0, "1ms", behaviour={"name": "ping", "params": {"interval": "1ms",
                                                                     "peers": ["h2"]}}),
              idle(1), idle(2)],
             [{"a": "h0", "b": "h1", "loss": p, "latency": lat},
              {"a": "h1", "b": "h2", "loss": p, "latency": lat}], duration=4 * S)
    ev, _ = run(s)
    ended = list(fates(ev).values())
    delivered = sum(1 for f in ended if f.kind == "deliver")
    ok, why = binomial_ok(delivered, len(ended), (1 - p) ** 2)
    assert ok, why


def test_duplication_rate():
    d = 0.15
    s = scen([pinger(0, "1ms"), idle(1)],
             [{"a": "h0", "b": "h1", "duplication": d}], duration=4 * S)
    ev, su = run(s)
    originals = [e for e in ev if e.kind == "send"]
    dups = [e for e in ev if e.kind == "duplicate"]
    ok, why = binomial_ok(len(dups), len(originals), d)
    assert ok, why
    assert su["duplicated"] == len(dups)


def test_corruption_rate_among_arrivals():
    c, p = 0.1, 0.3
    s = scen([pinger(0, "1ms"), idle(1)],
             [{"a": "h0", "b": "h1", "corruption": c, "loss": p}], duration=4 * S)
    ev, _ = run(s)
    delivered = [e for e in ev if e.kind == "deliver"]
    corrupted = sum(1 for e in delivered if e.data.get("corrupted"))
    ok, why = binomial_ok(corrupted, len(delivered), c)
    assert ok, why


@pytest.mark.parametrize("which", ["send_omission", "receive_omission"])
def test_omission_rate(which):
    q = 0.25
    sender, receiver = pinger(0, "1ms"), idle(1)
    (sender if which == "send_omission" else receiver)["failures"] = {which: q}
    s = scen([sender, receiver], [{"a": "h0", "b": "h1"}], duration=4 * S)
    ev, _ = run(s)
    ended = list(fates(ev).values())
    omitted = sum(1 for f in ended if f.kind == "drop" and f.data["reason"] == "omission")
    ok, why = binomial_ok(omitted, len(ended), q)
    assert ok, why


def test_link_timing_failure_rate():
    q = 0.2
    s = scen([pinger(0, "2ms"), idle(1)],
             [{"a": "h0", "b": "h1", "timing_probability": q, "timing_slowdown": 3}],
             duration=4 * S, model=UNBOUNDED_SYNC)
    ev, _ = run(s)
    delivered = [e for e in ev if e.kind == "deliver"]
    late = sum(1 for e in delivered if e.data.get("late"))
    ok, why = binomial_ok(late, len(delivered), q)
    assert ok, why


# -- latency distributions ------------------------------------------------------------------

MEAN = 2 * MS


def latency_cases():
    """(spec, mean, standard deviation, median) of each distribution, from its definition."""
    m = MEAN
    sigma = 0.5
    mu = math.log(m) - sigma**2 / 2
    alpha = 4.0
    scale = m * (alpha - 1) / alpha
    return {
        "constant": ({"dist": "constant", "mean": m}, m, 0.0, m),
        "uniform": ({"dist": "uniform", "mean": m, "spread": m // 2}, m,
                    (m // 2) / math.sqrt(3), m),
        "normal": ({"dist": "normal", "mean": m, "spread": m // 5}, m, m / 5, m),
        "exponential": ({"dist": "exponential", "mean": m}, m, m, m * math.log(2)),
        "lognormal": ({"dist": "lognormal", "mean": m, "shape": sigma}, m,
                      m * math.sqrt(math.exp(sigma**2) - 1), math.exp(mu)),
        "pareto": ({"dist": "pareto", "mean": m, "shape": alpha}, m,
                   scale * math.sqrt(alpha / ((alpha - 1) ** 2 * (alpha - 2))),
                   scale * 2 ** (1 / alpha)),
    }


def latencies(spec: dict, model: dict, n_target: int = 3000, seed: int = 5) -> list[int]:
    # Sends are far apart (mean 50 ms) compared with the latencies, so the FIFO order of
    # the channel practically never holds a message back behind another.
    duration = n_target * 50 * MS
    s = scen([pinger(0, "50ms"), idle(1)], [{"a": "h0", "b": "h1", "latency": spec}],
             duration=duration, seed=seed, model=model)
    ev, _ = run(s)
    return [e.data["latency"] for e in ev if e.kind == "deliver"]


@pytest.mark.parametrize("name", list(latency_cases()))
def test_mean_latency_of_each_distribution(name):
    spec, mean, sd, median = latency_cases()[name]
    lat = latencies(spec, UNBOUNDED_SYNC)
    n = len(lat)
    assert n > 2500
    est = sum(lat) / n
    if sd == 0:
        assert set(lat) == {mean}
        return
    # int() truncation of each draw lowers the mean by under 1 ns.
    assert abs(est - mean) <= Z * sd / math.sqrt(n) + 1, (est, mean, sd / math.sqrt(n))
    # The shape too: half the draws lie below the median.
    below = sum(1 for x in lat if x <= median)
    ok, why = binomial_ok(below, n, 0.5)
    assert ok, why
    if name == "uniform":
        assert min(lat) >= mean - spec["spread"] and max(lat) <= mean + spec["spread"]
    if name == "pareto":
        assert min(lat) >= int(mean * 3 / 4)  # the Pareto scale (minimum)
    if name == "exponential":
        # memoryless: P(X > 2m) = e^-2
        ok, why = binomial_ok(sum(1 for x in lat if x > 2 * mean), n, math.exp(-2))
        assert ok, why


def test_sample_spread_of_latency_matches_its_definition():
    for name in ("uniform", "normal", "exponential", "lognormal"):
        spec, mean, sd, _ = latency_cases()[name]
        lat = latencies(spec, UNBOUNDED_SYNC, n_target=2000, seed=9)
        n = len(lat)
        est = sum(lat) / n
        var = sum((x - est) ** 2 for x in lat) / (n - 1)
        # The sample variance's relative error is about sqrt(2/n) (more for heavy tails).
        assert abs(math.sqrt(var) / sd - 1) < 0.2, (name, math.sqrt(var), sd)


@pytest.mark.parametrize("tail", [2.5, 4.0])
def test_asynchronous_delay_factor_has_the_configured_tail_index(tail):
    """Asynchronous model: a link delay is multiplied by a Pareto factor of index async_tail,
    so P(delay > 4c) / P(delay > 2c) = 2^-tail for a constant latency c (scale-free)."""
    c = MS
    lat = latencies({"dist": "constant", "mean": c},
                    {"synchrony": "asynchronous", "async_tail": tail}, n_target=4000)
    above2 = [x for x in lat if x > 2 * c]
    above4 = [x for x in above2 if x > 4 * c]
    assert len(above2) > 100
    ok, why = binomial_ok(len(above4), len(above2), 2 ** -tail)
    assert ok, why
    # No delay is ever shorter than the link's own latency.
    assert min(lat) >= c


def test_asynchronous_mean_delay():
    """Factor ~ Pareto(index a, minimum 1) (see Simulation._delay): mean a/(a-1)."""
    a, c = 3.0, MS
    lat = latencies({"dist": "constant", "mean": c},
                    {"synchrony": "asynchronous", "async_tail": a}, n_target=4000)
    n = len(lat)
    mean = c * a / (a - 1)
    sd = c * math.sqrt(a / (a - 2) - (a / (a - 1)) ** 2)
    assert abs(sum(lat) / n - mean) <= Z * sd / math.sqrt(n) + 1


# -- clocks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ppm", [-250.0, -1.5, 0.0, 37.0, 100.0, 5000.0])
def test_drift_is_exact(ppm):
    s = scen([pinger(0, "20ms", clock={"drift_ppm": ppm, "offset": "-4ms"}), idle(1)],
             [{"a": "h0", "b": "h1"}], duration=10 * S)
    ev, _ = run(s)
    mine = [e for e in ev if e.host == "h0"]
    assert len(mine) > 300
    for e in mine:
        expected = -4 * MS + e.t * (1 + ppm * 1e-6)
        assert abs(e.local - expected) <= 1, (e, expected)


def test_reading_jitter_is_uniform_with_the_configured_width():
    j = 10 * US
    clock = HostClock(ClockSpec(jitter=j, drift_ppm=20), random.Random(3))
    n = 20_000
    errors = [clock.read(t) - clock.true_reading(t) for t in range(0, n * MS, MS)]
    assert min(errors) >= -j and max(errors) <= j
    sd = j / math.sqrt(3)
    assert abs(sum(errors) / n) <= Z * sd / math.sqrt(n)
    # A quarter of a uniform on [-j, j] lies beyond j/2.
    ok, why = binomial_ok(sum(1 for x in errors if x > j / 2), n, 0.25)
    assert ok, why


def test_slew_corrects_at_the_slew_rate():
    clock = HostClock(ClockSpec(), random.Random(1))
    clock.slew(S, 5 * MS)  # 5 ms at 500 ppm take 10 s
    assert clock.offset(S) == 0
    assert clock.offset(6 * S) == pytest.approx(2.5 * MS, abs=2)
    assert clock.offset(11 * S) == pytest.approx(5 * MS, abs=2)
    assert clock.offset(100 * S) == pytest.approx(5 * MS, abs=2)


# -- random crashes -------------------------------------------------------------------------


def crash_times(n_hosts: int, failures: dict, duration: int, seed: int = 1) -> dict[str, list]:
    hosts = [idle(f"x{i}", failures=failures) for i in range(n_hosts)]
    s = scen(hosts, [], duration=duration, seed=seed)
    ev, _ = run(s)
    out: dict[str, list] = {h["id"]: [] for h in hosts}
    for e in ev:
        if e.kind in ("crash", "recover"):
            out[e.host].append((e.t, e.kind))
    return out


def test_crash_probability_per_period_for_one_host():
    p, period = 0.1, S
    times = crash_times(1500, {"crash_probability": p, "crash_period": period}, period)
    crashed = sum(1 for v in times.values() if v)
    ok, why = binomial_ok(crashed, len(times), p)
    assert ok, why
    # crash-stop (no MTTR): each host crashes at most once
    assert all(len(v) <= 1 for v in times.values())


@pytest.mark.parametrize(("p", "n", "runs"), [(0.1, 5, 400), (0.3, 3, 400), (0.02, 20, 300)])
def test_probability_that_one_of_n_hosts_fails_is_1_minus_1_minus_p_to_the_n(p, n, runs):
    """Observed P(at least one of n hosts fails within a period), over independent runs."""
    period = 100 * MS
    hit = 0
    for seed in range(runs):
        times = crash_times(n, {"crash_probability": p, "crash_period": period}, period,
                            seed=1000 * n + seed)
        hit += any(times.values())
    ok, why = binomial_ok(hit, runs, 1 - (1 - p) ** n)
    assert ok, why


def test_more_hosts_more_failures_in_one_run():
    """Within one run: groups of n hosts, the fraction of groups with a failure."""
    p, n, groups = 0.1, 5, 300
    times = crash_times(groups * n, {"crash_probability": p, "crash_period": S}, S, seed=77)
    ids = list(times)
    hit = sum(1 for g in range(groups) if any(times[h] for h in ids[g * n:(g + 1) * n]))
    ok, why = binomial_ok(hit, groups, 1 - (1 - p) ** n)
    assert ok, why


def test_mttf_sets_the_failure_rate():
    """With an MTTF and no repair, P(crashed by t) = 1 - exp(-t / MTTF)."""
    mttf, t = 2 * S, S
    times = crash_times(1500, {"mttf": mttf, "crash_probability": 0.9, "crash_period": 1},
                        t, seed=4)
    crashed = sum(1 for v in times.values() if v)
    ok, why = binomial_ok(crashed, len(times), 1 - math.exp(-t / mttf))
    assert ok, why


def test_crash_repair_cycles_mttf_and_mttr():
    """Exponential up (MTTF) and down (MTTR) times: a two-state Markov process per host."""
    mttf, mttr, T, hosts = 100 * MS, 25 * MS, 10 * S, 60
    times = crash_times(hosts, {"mttf": mttf, "mttr": mttr}, T, seed=8)
    lam, mu = 1 / mttf, 1 / mttr
    avail = mttf / (mttf + mttr)
    k = lam + mu
    transient = (1 - math.exp(-k * T)) / k
    # Expected crashes of one host that starts up: lambda * expected up time.
    exp_up_time = avail * T + (1 - avail) * transient
    exp_crashes = lam * exp_up_time
    # Renewal theory: Var N(T) ~ T * var(cycle) / mean(cycle)^3.
    cycle = mttf + mttr
    var_crashes = T * (mttf**2 + mttr**2) / cycle**3
    crashes = sum(sum(1 for _, k_ in v if k_ == "crash") for v in times.values())
    assert abs(crashes - hosts * exp_crashes) <= Z * math.sqrt(hosts * var_crashes), (
        crashes, hosts * exp_crashes)
    # Roughly T / (MTTF + MTTR) crashes per host.
    assert crashes / hosts == pytest.approx(T / cycle, rel=0.1)

    # Availability: the time-average of the up indicator.
    up_fraction = []
    downs, ups = [], []
    for v in times.values():
        down_since, up_since, down = None, 0, 0
        for t, kind in v:
            if kind == "crash":
                assert down_since is None
                down_since = t
                ups.append(t - up_since)
            else:
                assert down_since is not None
                downs.append(t - down_since)
                down += t - down_since
                down_since, up_since = None, t
        if down_since is not None:
            down += T - down_since
        up_fraction.append(1 - down / T)
    exp_avail = exp_up_time / T
    var_avail = 2 * avail * (1 - avail) / (k * T)  # per host, for T >> 1/k
    est = sum(up_fraction) / hosts
    assert abs(est - exp_avail) <= Z * math.sqrt(var_avail / hosts), (est, exp_avail)
    assert est == pytest.approx(mttf / (mttf + mttr), abs=0.02)
    # Each repair takes MTTR on average and each up time MTTF (exponential: sd = mean).
    assert abs(sum(downs) / len(downs) - mttr) <= Z * mttr / math.sqrt(len(downs))
    assert abs(sum(ups) / len(ups) - mttf) <= Z * mttf / math.sqrt(len(ups))


def test_summary_availability_matches_down_time():
    mttf, mttr, T = 200 * MS, 50 * MS, 5 * S
    hosts = [idle(f"x{i}", failures={"mttf": mttf, "mttr": mttr}) for i in range(20)]
    s = scen(hosts, [], duration=T, seed=2)
    ev, su = run(s)
    down = 0
    since: dict[str, int] = {}
    for e in ev:
        if e.kind == "crash":
            since[e.host] = e.t
        elif e.kind == "recover":
            down += e.t - since.pop(e.host)
    down += sum(T - t for t in since.values())
    assert su["availability"] == pytest.approx(1 - down / (20 * T), abs=1e-9)
    assert su["crashes"] == sum(1 for e in ev if e.kind == "crash")


# -- workload -------------------------------------------------------------------------------


def request_times(workload: dict, duration: int, seed: int = 3) -> list[int]:
    s = scen([{"id": "c", "behaviour": {"name": "workload_client",
                                        "params": {"servers": ["s"], "timeout": "10ms"}}},
              {"id": "s", "behaviour": {"name": "rr_server",
                                        "params": {"service_time": "10us"}}}],
             [{"a": "c", "b": "s"}], duration=duration, seed=seed, workload=workload)
    ev, _ = run(s)
    return [e.t for e in ev if e.kind == "send" and e.host == "c"
            and e.data["payload"]["type"] == "request"]


def poisson_ok(count: int, expected: float) -> bool:
    return abs(count - expected) <= Z * math.sqrt(expected)


def test_constant_workload_is_a_poisson_process():
    reqs = request_times({"profile": "constant", "base_rate": 300}, 5 * S)
    assert poisson_ok(len(reqs), 1500), len(reqs)
    # Exponential gaps: P(gap > mean gap) = 1/e.
    gaps = [b - a for a, b in zip(reqs, reqs[1:], strict=False)]
    ok, why = binomial_ok(sum(1 for g in gaps if g > S / 300), len(gaps), math.exp(-1))
    assert ok, why


def test_diurnal_workload_integrates_to_the_mean_rate():
    base, peak, period = 20.0, 180.0, S
    reqs = request_times({"profile": "diurnal", "base_rate": base, "peak_rate": peak,
                          "period": period}, 4 * S)
    # Over whole days the raised cosine averages to (base + peak) / 2.
    assert poisson_ok(len(reqs), 4 * (base + peak) / 2), len(reqs)
    # Night (first and last eighth of each day) is quiet, noon busy.
    night = sum(1 for t in reqs if (t % period) < period / 8 or (t % period) >= 7 * period / 8)
    noon = sum(1 for t in reqs if 3 * period / 8 <= (t % period) < 5 * period / 8)
    # integral of base + (peak-base)(1-cos(2 pi x))/2 over the windows, times 4 days
    def integral(x0, x1):
        f = lambda x: base * x + (peak - base) / 2 * (x - math.sin(2 * math.pi * x) / (2 * math.pi))  # noqa: E731
        return f(x1) - f(x0)

    assert poisson_ok(night, 4 * (integral(0, 1 / 8) + integral(7 / 8, 1))), night
    assert poisson_ok(noon, 4 * integral(3 / 8, 5 / 8)), noon


def test_custom_workload_follows_its_points():
    points = [{"t": 0, "rate": 0}, {"t": "2s", "rate": 400}, {"t": "3s", "rate": 400}]
    reqs = request_times({"profile": "custom", "points": points}, 4 * S)
    first = sum(1 for t in reqs if t < 2 * S)  # a ramp from 0 to 400: 400 requests
    later = sum(1 for t in reqs if t >= 2 * S)  # flat at 400 for two seconds
    assert poisson_ok(first, 400), first
    assert poisson_ok(later, 800), later
    assert sum(1 for t in reqs if t < S) < sum(1 for t in reqs if S <= t < 2 * S)


def test_black_friday_counts():
    reqs = request_times({"profile": "black_friday", "base_rate": 40, "peak_rate": 600,
                          "spike_at": "1s", "spike_length": "500ms"}, 3 * S)
    spike = sum(1 for t in reqs if S <= t < 1500 * MS)
    rest = len(reqs) - spike
    assert poisson_ok(spike, 300), spike
    assert poisson_ok(rest, 40 * 2.5), rest


def test_ping_sends_at_its_mean_interval():
    ev, _ = run(scen([pinger(0, "4ms"), idle(1)], [{"a": "h0", "b": "h1"}], duration=8 * S))
    sent = sum(1 for e in ev if e.kind == "send")
    assert poisson_ok(sent, 2000), sent


def test_ping_spreads_over_its_peers():
    ids = [f"h{i}" for i in range(5)]
    hosts = [pinger(0, "1ms")] + [idle(h) for h in ids[1:]]
    links = [{"a": "h0", "b": h} for h in ids[1:]]
    ev, _ = run(scen(hosts, links, duration=4 * S))
    per = defaultdict(int)
    for e in ev:
        if e.kind == "send":
            per[e.peer] += 1
    n = sum(per.values())
    assert n > 3000  # a ping every 1 ms on average for 4 s: about 4000
    for h in ids[1:]:
        ok, why = binomial_ok(per[h], n, 0.25)
        assert ok, (h, why)
