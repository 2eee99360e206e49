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


@behaviour
def picky(node):
    """Its receive's match raises on the first message."""
    msg = yield from node.receive(match=lambda m: m.payload["missing"])
    node.app("never", msg=msg.id)


@behaviour
def bad_handler(node):
    def on_ping(msg):
        raise KeyError("handler")  # HANDLER-LINE

    node.on_message("ping", on_ping)
    yield from node.sleep(10**12)
