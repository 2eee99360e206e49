"""The layers are usable from a behaviour's own code (as users' behaviours will use them): a
generator that calls RPC on a built-in server, and one that broadcasts in causal order with
the ordered broadcast layer."""

from __future__ import annotations

from engine.helpers import MS, S, host, link, mesh, scen

from sandbox.engine import Simulation
from sandbox.engine.layers.broadcast import OrderedBroadcast
from sandbox.engine.layers.rpc import Rpc
from sandbox.trace import MemorySink


def _run_with(scenario, code, until):
    """Run ``scenario`` with ``code[host](node)`` spawned on those hosts (their own code)."""
    mem = MemorySink()
    sim = Simulation(scenario, mem)
    sim.start(until)
    for h, make in code.items():
        sim.nodes[h].spawn(make(sim.nodes[h].api))
    sim.advance(until)
    sim.finish()
    assert sim.errors == [], sim.errors
    return sim, mem.events


def test_own_code_calls_an_rpc_server_with_retries_and_gets_its_results():
    results = []

    def client(node):
        node.handler = None
        rpc = Rpc(node)
        for _ in range(5):
            res = yield from rpc.call("s", "increment", {"amount": 2}, timeout=20 * MS,
                                      retries=3)
            results.append(res)
        res = yield from rpc.call("s", "read", {}, timeout=20 * MS, retries=3)
        results.append(res)

    s = scen([host("c"), host("s", "rpc_server", semantics="at_most_once")],
             [link("c", "s", mean=2 * MS, loss=0.3)], duration=2 * S)
    _, events = _run_with(s, {"c": client}, 2 * S)
    assert len(results) == 6 and all(r.ok for r in results), results
    assert any(r.tries > 1 for r in results)  # the loss made it retry
    executed = [e for e in events if e.kind == "app" and e.data["name"] == "rpc_execute"
                and e.data["method"] == "increment"]
    assert len({e.data["id"] for e in executed}) == len(executed) == 5  # at most once each


def test_own_code_broadcasts_in_causal_order_with_the_layer():
    ids = ["a", "b", "c"]
    delivered = {h: [] for h in ids}

    def member(node):
        node.handler = None
        layer = OrderedBroadcast(node, lambda bid, origin, value, info:
                                 delivered[node.id].append(bid),
                                 ordering="causal", mode="reliable", members=ids)
        for i in range(4):
            yield from node.sleep(int(node.rng.expovariate(1 / (20 * MS))))
            layer.broadcast(i)

    s = scen([host(h) for h in ids], mesh(ids, dist="exponential", mean=15 * MS, loss=0.2),
             duration=3 * S)
    _run_with(s, {h: member for h in ids}, 3 * S)
    everything = sorted(bid for bids in delivered.values() for bid in bids)
    assert all(sorted(bids) == sorted(delivered["a"]) for bids in delivered.values())
    assert len(delivered["a"]) == 12 and len(set(everything)) == 12
    for h in ids:  # each origin's own broadcasts in the order it made them, everywhere
        for origin in ids:
            mine = [b for b in delivered[h] if b.startswith(origin)]
            assert mine == sorted(mine), (h, origin, mine)
