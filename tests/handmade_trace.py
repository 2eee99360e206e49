"""A hand-made trace of three hosts (h1, h2, h3) with every kind of event the playback draws,
shared by the tests of what is in flight (no Qt) and of the canvas animation."""

from __future__ import annotations

from sandbox.trace import TraceEvent

US = 1_000  # the hand-made trace counts in microseconds


def ev(seq, t_us, kind, host, msg=None, peer=None, data=None):
    """An event at ``t_us`` microseconds whose local time is real time."""
    t = t_us * US
    return TraceEvent(seq, t, kind, host, t, msg, peer, data)


EVENTS = [
    ev(0, 0, "send", "h1", 1, "h2", {"size": 64}),                         # 0 .. 100
    ev(1, 10, "send", "h1", 2, "h3", {"size": 64}),                        # lost at 60
    ev(2, 20, "crash", "h3", data={"mode": "fail_silent"}),
    ev(3, 30, "send", "h2", 3, "h3", {"size": 64}),                        # h3 down at 80
    ev(4, 40, "link_cut", "", data={"link": ["h1", "h2"]}),
    ev(5, 50, "send", "h2", 4, "h1", {"size": 64, "byz": "corrupt"}),      # 50 .. 150
    ev(6, 50, "send", "h3", 5, "h2", {"size": 64}),                        # 50 .. 150, corrupted
    ev(7, 50, "send", "h2", 6, "h3", {"size": 64}),                        # late, 50 .. 250
    ev(8, 50, "duplicate", "h2", 7, "h3", {"of": 6}),                      # 50 .. 250
    ev(9, 60, "drop", "h1", 2, "h3", {"reason": "loss", "link": ["h1", "h3"]}),
    ev(10, 70, "suspect", "h1", data={"target": "h3"}),
    ev(11, 80, "drop", "h2", 3, "h3", {"reason": "crashed"}),
    ev(12, 100, "deliver", "h2", 1, "h1", {"latency": 100 * US}),
    ev(13, 120, "link_heal", "", data={"link": ["h1", "h2"]}),
    ev(14, 150, "deliver", "h1", 4, "h2", {"latency": 100 * US, "byz": "corrupt"}),
    ev(15, 150, "corrupt", "h2", 5, "h3"),
    ev(16, 150, "deliver", "h2", 5, "h3", {"latency": 100 * US, "corrupted": True}),
    ev(17, 200, "recover", "h3"),
    ev(18, 210, "unsuspect", "h1", data={"target": "h3"}),
    ev(19, 250, "deliver", "h3", 6, "h2", {"latency": 200 * US, "late": True}),
    ev(20, 250, "deliver", "h3", 7, "h2", {"latency": 200 * US, "dup": 6}),
    ev(21, 300, "partition", "", data={"sides": [["h1"], ["h2", "h3"]], "one_way": False}),
    ev(22, 320, "mem", "h1", data={"op": "read", "addr": 8, "page": 3, "home": "h1",
                                   "remote": False, "cost": 100, "ok": True}),
    ev(23, 330, "send", "h2", 8, "h3", {"size": 64, "channel": "mem",
                                        "payload": {"type": "mem_req", "req": 1, "op": "read",
                                                    "addr": 9000, "page": 2}}),
    ev(24, 350, "pause", "h2"),
    ev(25, 400, "heal", "", data={"sides": [["h1"], ["h2", "h3"]], "one_way": False}),
    ev(26, 430, "deliver", "h3", 8, "h2", {"latency": 100 * US, "channel": "mem"}),
    ev(27, 450, "resume", "h2"),
    ev(28, 600, "mem", "h2", data={"op": "read", "addr": 9000, "page": 2, "home": "h3",
                                   "remote": True, "cost": 400_000, "ok": True}),
]
