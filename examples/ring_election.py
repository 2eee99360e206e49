"""Chang and Roberts' ring election, written as a user's behaviour file.

The hosts form a ring in scenario order: each host's successor is the next host,
and the last host's successor is the first. Every host wakes up at a random
moment and proposes itself by sending its own id to its successor. A host that
receives a candidate's id:

- passes it on when the id is larger than its own (it has lost);
- replaces it with its own id when the id is smaller and it has not proposed
  itself yet (it swallows the message otherwise);
- is elected when the id is its own: its id went all the way round, so it is the
  largest. It then sends a ``leader`` message round the ring, and each host
  records the leader and passes it on.

The largest id wins (ids compare as text: "h9" is larger than "h10").
The algorithm assumes that no host crashes and that links lose nothing.

Run it from the project's folder::

    sandbox run examples/ring_election.json --allow-code

docs/writing-behaviours.md walks through this file part by part.
"""

from sandbox.api import (
    MS,
    QT_TRANSLATE_NOOP,
    Checker,
    Duration,
    Field,
    Params,
    StateField,
    behaviour,
    guarantee,
)

# -- 1. The parameters: the inspector builds a form from this model ---------------------------


class RingParams(Params):
    """The parameters of one host of the ring."""

    wake_spread: Duration = Field(
        50 * MS, ge=0, le=10_000 * MS,
        description="Each host wakes up at a random moment in this window and proposes itself")
    work: Duration = Field(
        1 * MS, ge=0, le=1_000 * MS,
        description="Time a host takes to handle one election message")


# -- 2. The behaviour: a generator function of the node and its parameters --------------------


@behaviour(
    params=RingParams,
    title="Ring election (Chang-Roberts)",
    summary="The largest id wins; candidates' ids travel round a ring",
    category="coordination",
    state=[
        StateField("role", "asleep, candidate, relay, leader or follower", kind="text",
                   band=True),
        StateField("leader", "The leader this host knows", kind="text", badge=True),
        StateField("passed", "Election messages this host has passed on", kind="number"),
    ],
    guarantees=["ring.one_leader"],
)
def ring_election(node, params):
    ring = list(node.hosts)
    successor = ring[(ring.index(node.id) + 1) % len(ring)]
    me = {"proposed": False, "passed": 0}
    node.report_state(role="asleep", leader=None, passed=0)

    def propose():
        if not me["proposed"]:
            me["proposed"] = True
            node.report_state(role="candidate")
            node.send(successor, {"type": "elect", "candidate": node.id})

    def wake_up():
        # node.rng is this host's own random stream: the same seed, the same run.
        yield from node.sleep(node.rng.randint(0, params.wake_spread))
        propose()

    node.spawn(wake_up())
    while True:
        msg = yield from node.receive()
        body = msg.payload
        if msg.corrupted or not isinstance(body, dict):
            continue  # a damaged message: ignore it
        yield from node.sleep(params.work)
        if body.get("type") == "elect" and isinstance(body.get("candidate"), str):
            candidate = body["candidate"]
            if candidate > node.id:
                me["proposed"] = True  # it has lost: it will not propose itself any more
                me["passed"] += 1
                node.report_state(role="relay", passed=me["passed"])
                node.send(successor, body)
            elif candidate < node.id:
                propose()  # swallow the smaller id; send ours unless we already did
            else:
                node.app("elected", leader=node.id)
                node.report_state(role="leader", leader=node.id)
                node.send(successor, {"type": "leader", "leader": node.id})
        elif body.get("type") == "leader" and isinstance(body.get("leader"), str):
            leader = body["leader"]
            if leader != node.id:
                node.app("leader_known", leader=leader)
                node.report_state(role="follower", leader=leader)
                node.send(successor, body)


# -- 3. The guarantee: a checker that reads the trace ------------------------------------------


@guarantee
class OneLeader(Checker):
    """One host is elected, the largest of the ring, and every host learns it."""

    name = "ring.one_leader"
    title = QT_TRANSLATE_NOOP("Check", "One leader")
    description = QT_TRANSLATE_NOOP(
        "Check", "Exactly one host is elected, the one of largest id, and every other host of "
        "the ring learns that it is the leader. Promised when no host of the ring can crash "
        "and no link loses messages.")
    kinds = frozenset({"app"})

    def __init__(self, ctx):
        super().__init__(ctx)
        self.ring = ctx.running("ring_election")
        self.elected = None   # (host, seq) of the first election
        self.knows = set()    # the hosts that know the leader
        self.last = (0, 0)    # (seq, t) of the last event read

    @classmethod
    def promised(cls, ctx):
        scenario = ctx.scenario
        if scenario.get("faults"):
            return False
        if any(link.get("loss") for link in scenario.get("links", [])):
            return False
        for host in ctx.running("ring_election"):
            failures = ctx.host_spec(host).get("failures") or {}
            if failures.get("crash_probability") or failures.get("mttf"):
                return False
        return True

    def feed(self, ev):
        self.last = (ev.seq, ev.t)
        name = (ev.data or {}).get("name")
        leader = (ev.data or {}).get("leader")
        if name == "elected":
            self.checked += 1
            if self.elected is not None:
                self.fail(ev, QT_TRANSLATE_NOOP("Check", "{host} is elected, but {first} was "
                                                "elected before"),
                          related=[self.elected[1]], host=ev.host, first=self.elected[0])
            elif ev.host != max(self.ring):
                self.fail(ev, QT_TRANSLATE_NOOP("Check", "{host} is elected, but {largest} "
                                                "is larger"),
                          host=ev.host, largest=max(self.ring))
            self.elected = (ev.host, ev.seq)
            self.knows.add(ev.host)
        elif name == "leader_known":
            self.checked += 1
            if self.elected is None or leader != self.elected[0]:
                self.fail(ev, QT_TRANSLATE_NOOP("Check", "{host} takes {leader} for the "
                                                "leader, who was not elected"),
                          host=ev.host, leader=leader)
            self.knows.add(ev.host)

    def finish(self):
        if not self.ring:
            return
        if self.elected is None:
            self.fail(self.last, QT_TRANSLATE_NOOP("Check", "no host was elected"))
            return
        missing = [h for h in self.ring if h not in self.knows]
        if missing:
            self.fail(self.last, QT_TRANSLATE_NOOP("Check", "{hosts} never learned the leader"),
                      hosts=", ".join(missing))
