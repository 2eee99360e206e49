"""A behaviour built on the layers: RPC, ordered broadcast and the heartbeat detector."""

from sandbox.api import MS, HeartbeatDetector, OrderedBroadcast, Rpc, behaviour


@behaviour(category="broadcast")
def layered(node, *, rounds: int = 3):
    rpc = Rpc(node)
    count = {"n": 0}

    def increment(args):
        count["n"] += args["by"]
        return count["n"]

    rpc.serve({"increment": increment})

    def deliver(bid, origin, value, info):
        node.app("got", origin=origin, value=value)

    layer = OrderedBroadcast(node, deliver, ordering="total_sequencer")
    fd = HeartbeatDetector(node, interval=10 * MS, timeout=40 * MS,
                           on_change=lambda s: node.report_state(suspects=s))
    for r in range(rounds):
        layer.broadcast(f"{node.id}-{r}")
        result = yield from rpc.call(node.peers[0], "increment", {"by": 1}, timeout=20 * MS)
        node.app("called", ok=result.ok, value=result.value)
        yield from node.sleep(10 * MS)
    node.app("suspects", hosts=sorted(fd.suspects))
    while True:
        yield from node.sleep(100 * MS)
