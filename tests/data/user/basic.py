"""Behaviours for the tests of user code: plain defaults, a params model, a checker."""

from sandbox.api import MS, Checker, Duration, Field, Params, StateField, behaviour, guarantee


class EchoParams(Params):
    interval: Duration = Field(10 * MS, ge=1, description="Time between pings")
    count: int = Field(3, ge=0, le=1000)


@behaviour(params=EchoParams, title="Echo", summary="Pings every peer, answers pings",
           state=[StateField("sent", "Pings sent", kind="number")],
           guarantees=["user.echo_answered"])
def echo(node, params):
    def answer(msg):
        node.send(msg.src, {"type": "pong", "n": msg.payload["n"]})

    node.on_message("ping", answer)
    for n in range(params.count):
        node.broadcast({"type": "ping", "n": n})
        node.report_state(sent=n + 1)
        yield from node.sleep(params.interval + node.rng.randrange(1000))
    while True:
        msg = yield from node.receive()
        node.app("pong", n=msg.payload["n"], local=node.clock())


@behaviour
def pinger(node, *, interval: Duration = 5 * MS, count: int = 4, target: str = ""):
    """Sends count pings to a target (default: the first peer)."""
    dst = target or node.peers[0]
    for i in range(count):
        node.send(dst, {"type": "ping", "n": i})
        yield from node.sleep(interval)


@guarantee
class EchoAnswered(Checker):
    name = "user.echo_answered"
    title = "Every echo host got a pong"
    description = "Each host running echo receives at least one pong."
    kinds = frozenset({"app"})

    def feed(self, ev):
        self.checked += 1
        if ev.data.get("name") == "pong" and ev.data.get("n") == -1:
            self.fail(ev, "impossible pong")
