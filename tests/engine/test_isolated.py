"""Runs in a process of their own (how the GUI runs the user's code): the same trace as in
process, a cancel that kills, a changed file refused, a dead process reported."""

from __future__ import annotations

import os

import pytest

from sandbox.engine import RunCancelled, RunRefused, load_files, run
from sandbox.engine.isolated import RunProcessDied, files_of, run_isolated
from sandbox.engine.runner import CallbackReporter
from sandbox.scenario.user_files import declared_behaviours
from sandbox.trace.events import TraceEvent

from .helpers import MS, host, mesh, scen

CODE = '''\
import os

from sandbox.api import MS, behaviour


@behaviour
def chatty(node, *, count: int = 5):
    for n in range(count):
        yield from node.sleep(1 * MS)
        node.send(node.peers[n % len(node.peers)], {"type": "hi", "n": node.rng.random()})


@behaviour
def exits(node):
    yield from node.sleep(1 * MS)
    os._exit(3)


@behaviour
def forever(node):
    yield from node.sleep(1 * MS)
    while True:
        pass
'''


@pytest.fixture
def user(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(CODE)
    names = [d.name for d in declared_behaviours(CODE)]
    made = []

    def scenario(behaviour: str, **params):
        s = scen([host(1, behaviour, **params), host(2, "chatty"), host(3)], mesh(["h1", "h2", "h3"]),
                 duration=50 * MS, behaviour_files=[{"path": "mine.py", "behaviours": names}])
        files = load_files(s, tmp_path, allow=True)
        made.append(files)
        return s, files

    yield scenario, path
    for files in made:
        files.unload()


def test_an_isolated_run_gives_the_in_process_trace_byte_for_byte(user):
    make, _ = user
    s, files = make("chatty", count=8)
    here = run(s, user_code=files, keep_events=True, checks=True, seed=7)
    seen: list[tuple[int, int]] = []
    there = run_isolated(s, files_of(files), seed=7,
                         reporter=CallbackReporter(progress=lambda now, end: seen.append((now, end))))
    assert there.events and isinstance(there.events[0], TraceEvent)
    assert there.events == here.events
    assert there.header == here.header and there.summary == here.summary
    assert seen and seen[-1][0] == seen[-1][1]  # progress came back as it went


def test_cancel_kills_a_run_stuck_in_user_code(user):
    make, _ = user
    s, files = make("forever")
    from sandbox.engine.limits import Limits

    last = [0]
    quiet = [0]  # the parent's polls since the last progress: the child is stuck in the loop

    def progress(now: int, end: int) -> None:
        last[0] = now
        quiet[0] = 0

    def cancelled() -> bool:
        quiet[0] += 1
        return last[0] >= MS // 2 and quiet[0] > 20

    with pytest.raises(RunCancelled):
        run_isolated(s, files_of(files), limits=Limits(user_lines_per_step=10 ** 15),
                     reporter=CallbackReporter(progress=progress, cancelled=cancelled))
    assert MS // 2 <= last[0] < 2 * MS  # it was stuck at 1 ms, and stopped there


def test_a_file_changed_since_consent_is_refused(user):
    make, path = user
    s, files = make("chatty")
    path.write_text(CODE + "\n# changed\n")
    with pytest.raises(RunRefused, match="changed since it was loaded"):
        run_isolated(s, files_of(files))


def test_a_process_that_dies_is_reported(user):
    make, _ = user
    s, files = make("exits")
    with pytest.raises(RunProcessDied, match="exit code 3"):
        run_isolated(s, files_of(files))
    assert os.getpid()  # this process is still here
