"""The network: links with latency, bandwidth, loss, corruption, duplication, reordering; routes and partitions."""

from __future__ import annotations

import heapq
import math
import random
from typing import TYPE_CHECKING, Any

from sandbox.scenario.model import LatencySpec, Link, Scenario, partition_blocks

if TYPE_CHECKING:
    from .simulation import Simulation


class Message:
    """A message in the network. ``payload`` is a dict the sender chose.

    ``channel`` is "app" for behaviours, "mem" for the DSM memory managers and
    "sys" for notifications of the system (a fail-stop crash notice).
    """

    __slots__ = ("id", "src", "dst", "payload", "size", "sent_at", "channel",
                 "corrupted", "byz", "late", "dup_of")

    def __init__(self, mid: int, src: str, dst: str, payload: Any, size: int, sent_at: int,
                 channel: str = "app") -> None:
        self.id = mid
        self.src = src
        self.dst = dst
        self.payload = payload
        self.size = size
        self.sent_at = sent_at
        self.channel = channel
        self.corrupted = False
        self.byz: str | None = None
        self.late = False
        self.dup_of: int | None = None

    def __repr__(self) -> str:
        return f"Message(m{self.id} {self.src}->{self.dst} {self.payload!r})"


def latency_sampler(spec: LatencySpec):
    """A function ``rng -> latency in ns`` (integer, >= 0) for a latency distribution."""
    mean, spread, shape = spec.mean, spec.spread, spec.shape
    dist = spec.dist
    if dist == "constant":
        return lambda rng: mean
    if dist == "uniform":
        lo, hi = mean - spread, mean + spread
        return lambda rng: int(rng.uniform(lo, hi))
    if dist == "normal":
        if mean <= 0:
            return lambda rng: 0

        def normal(rng: random.Random) -> int:
            # Truncated at zero by drawing again: no message arrives before it was sent.
            while True:
                v = int(rng.gauss(mean, spread))
                if v > 0:
                    return v

        return normal
    if dist == "exponential":
        if mean <= 0:
            return lambda rng: 0
        lam = 1.0 / mean
        return lambda rng: int(rng.expovariate(lam))
    if dist == "lognormal":
        # Mean of a lognormal is exp(mu + sigma^2 / 2).
        sigma = shape
        mu = math.log(max(mean, 1)) - sigma * sigma / 2
        return lambda rng: int(rng.lognormvariate(mu, sigma))
    if dist == "pareto":
        alpha = shape
        scale = mean * (alpha - 1) / alpha
        return lambda rng: int(scale * rng.paretovariate(alpha))
    raise ValueError(f"unknown latency distribution {dist!r}")


class Channel:
    """One direction of a link: its properties, random stream and transmit/FIFO state."""

    __slots__ = ("a", "b", "link", "index", "sample", "mean", "rng", "stream", "bandwidth", "loss",
                 "corruption", "duplication", "reordering", "timing_p", "timing_x",
                 "busy_until", "last_arrival", "cut", "burst_loss", "direct", "plain")

    def __init__(self, a: str, b: str, link: Link, index: int, latency: LatencySpec,
                 stream: str) -> None:
        self.a, self.b, self.link, self.index = a, b, link, index
        self.sample = latency_sampler(latency)
        self.mean = latency.mean
        self.stream = stream  # the name of its random stream, made on first use
        self.rng: random.Random | None = None
        self.bandwidth = link.bandwidth
        self.loss = link.loss
        self.corruption = link.corruption
        self.duplication = link.duplication
        self.reordering = link.reordering
        self.timing_p = link.timing_probability
        self.timing_x = link.timing_slowdown
        self.busy_until = 0
        self.last_arrival = 0
        self.cut = 0  # how many active cuts hold this channel down
        self.burst_loss: float | None = None
        self.direct = [self]  # the path of a message sent straight over this channel
        # Nothing but latency: no bandwidth, timing failure, reordering, loss or corruption.
        self.plain = not (self.bandwidth or self.timing_p or self.reordering or self.loss
                          or self.corruption)


def group_chain(scenario: Scenario) -> dict[str, dict[str, str]]:
    """For each host: the id of its enclosing rack, datacenter and region (where any)."""
    groups = {g.id: g for g in scenario.groups}
    out: dict[str, dict[str, str]] = {}
    for h in scenario.hosts:
        chain: dict[str, str] = {}
        gid = h.group
        seen: set[str] = set()
        while gid is not None and gid in groups and gid not in seen:
            seen.add(gid)
            g = groups[gid]
            chain.setdefault(g.kind, g.id)
            gid = g.parent
        out[h.id] = chain
    return out


def locality_latency(scenario: Scenario, chains: dict[str, dict[str, str]], a: str, b: str) -> int:
    """The default one-way latency between two hosts from how they are grouped.

    Same host: core to core; same rack, data centre or region by the groups
    both are in; different regions: cross-region. When the groups say
    nothing (hosts not grouped), the hosts count as one data centre.
    """
    loc = scenario.locality
    if a == b:
        return loc.same_host
    ca, cb = chains.get(a, {}), chains.get(b, {})
    for kind, value in (("rack", loc.same_rack), ("datacenter", loc.same_datacenter),
                        ("region", loc.same_region)):
        if kind in ca and ca.get(kind) == cb.get(kind):
            return value
    if "region" in ca and "region" in cb:
        return loc.cross_region
    if ca.get("datacenter") and cb.get("datacenter"):
        return loc.same_region
    return loc.same_datacenter


def default_latency_spec(mean: int) -> LatencySpec:
    """The latency distribution of a link that names none: normal, 10% spread."""
    return LatencySpec(dist="normal", mean=mean, spread=mean // 10)


class Network:
    """Every channel of the scenario, shortest-latency routes, partitions and cuts."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        scenario = sim.scenario
        self.chains = group_chain(scenario)
        self.channels: dict[tuple[str, str], Channel] = {}
        self.adj: dict[str, list[tuple[str, Channel]]] = {h.id: [] for h in scenario.hosts}
        for i, link in enumerate(scenario.links):
            lat = link.latency or default_latency_spec(
                locality_latency(scenario, self.chains, link.a, link.b))
            pairs = [(link.a, link.b)] if link.directed else [(link.a, link.b), (link.b, link.a)]
            for a, b in pairs:
                if (a, b) in self.channels:
                    continue  # the first link between two hosts wins
                ch = Channel(a, b, link, i, lat, f"link/{a}->{b}")
                self.channels[(a, b)] = ch
                self.adj[a].append((b, ch))
        self._routes: dict[str, dict[str, str]] = {}
        self.partitions: list[tuple[int, list[set[str]], bool]] = []  # (id, sides, one_way)
        self.same_host = scenario.locality.same_host

    # -- routing -----------------------------------------------------------------------
    def path(self, src: str, dst: str) -> list[Channel] | None:
        """The channels from ``src`` to ``dst``: the direct link, else the lowest mean latency route."""
        ch = self.channels.get((src, dst))
        if ch is not None:
            return [ch]
        prev = self._routes.get(src)
        if prev is None:
            prev = self._routes[src] = self._dijkstra(src)
        if dst not in prev:
            return None
        hops: list[Channel] = []
        cur = dst
        while cur != src:
            p = prev[cur]
            hops.append(self.channels[(p, cur)])
            cur = p
        hops.reverse()
        return hops

    def _dijkstra(self, src: str) -> dict[str, str]:
        dist = {src: 0}
        prev: dict[str, str] = {}
        order = 0
        heap = [(0, order, src)]
        while heap:
            d, _, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            for v, ch in self.adj[u]:
                nd = d + max(ch.mean, 1)
                if nd < dist.get(v, math.inf):
                    dist[v] = nd
                    prev[v] = u
                    order += 1
                    heapq.heappush(heap, (nd, order, v))
        return prev

    # -- partitions ----------------------------------------------------------------------
    def blocked(self, a: str, b: str) -> bool:
        """Whether an active partition separates ``a`` from ``b`` in that direction."""
        return any(partition_blocks(sides, one_way, a, b) for _, sides, one_way in self.partitions)
