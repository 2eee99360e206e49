"""Importing this file creates a marker file beside it: a test checks that it never appears."""

from pathlib import Path

Path(__file__).with_name("IMPORTED.marker").write_text("this file was executed\n")

from sandbox.api import behaviour  # noqa: E402


@behaviour
def marked(node):
    yield from node.sleep(1)
