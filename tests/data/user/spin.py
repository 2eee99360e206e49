"""A behaviour that loops forever without yielding, and one that floods the network."""

from sandbox.api import MS, behaviour


@behaviour
def spin(node):
    yield from node.sleep(1 * MS)
    n = 0
    while True:  # SPIN-LINE
        n += 1


@behaviour
def flood(node):
    yield from node.sleep(1 * MS)
    while True:
        node.send(node.peers[0], {"type": "junk"})  # FLOOD-LINE


@behaviour
def stubborn(node):
    """Catches Exception around its loop: the budget is not an Exception."""
    yield from node.sleep(1 * MS)
    try:
        while True:
            pass
    except Exception:
        node.app("swallowed")
    yield from node.sleep(1 * MS)
