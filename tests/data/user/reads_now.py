from sandbox.api import behaviour


@behaviour
def peeker(node):
    yield from node.sleep(1000)
    node.app("now", t=node.now)  # NOW-LINE
