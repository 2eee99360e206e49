"""A behaviour that raises after its first sleep (the tests look for the line of the raise)."""

from sandbox.api import MS, behaviour


def divide(a, b):
    return a / b  # RAISE-LINE


@behaviour
def boom(node, *, after: int = 5 * MS):
    node.app("started")
    yield from node.sleep(after)
    divide(1, 0)
    yield from node.sleep(after)
