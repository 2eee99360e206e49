"""Behaviours that swallow the stop of their budget in every way Python allows; each must still
be stopped (and its host crashed) in bounded time."""

import contextlib
import itertools

from sandbox.api import MS, behaviour


@behaviour
def bare_except(node):
    yield from node.sleep(1 * MS)
    while True:
        try:
            while True:  # BARE-LINE
                pass
        except:  # noqa: E722 - the point of the test
            pass


@behaviour
def base_exception(node):
    yield from node.sleep(1 * MS)
    while True:
        try:
            while True:
                pass
        except BaseException:
            node.app("swallowed")


@behaviour
def finally_return(node):
    def spin():
        try:
            while True:
                pass
        finally:
            return 1  # noqa: B012 - the point of the test

    yield from node.sleep(1 * MS)
    while True:
        spin()


@behaviour
def suppressed(node):
    yield from node.sleep(1 * MS)
    while True:
        with contextlib.suppress(BaseException):
            while True:
                pass


@behaviour
def comprehension(node):
    yield from node.sleep(1 * MS)
    try:
        while True:
            pass
    except BaseException:
        pass
    # untraced from here on (CPython dropped the trace function): only checkpoints stop it
    return [0 for _ in itertools.count()]


@behaviour
def then_yields(node):
    """Takes its stop and yields as if nothing happened: failed all the same."""
    yield from node.sleep(1 * MS)
    try:
        while True:
            pass
    except BaseException:
        pass
    yield from node.sleep(1 * MS)
    node.app("went on")


@behaviour
def recursion(node):
    def f():
        try:
            f()
        except BaseException:
            f()

    yield from node.sleep(1 * MS)
    f()


@behaviour
def flood_swallowed(node):
    yield from node.sleep(1 * MS)
    while True:
        try:
            node.send(node.peers[0], {"type": "junk"})
        except BaseException:
            pass
