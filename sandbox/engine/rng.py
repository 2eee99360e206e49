"""Named random streams: every random draw of a run comes from a stream derived from the seed."""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, name: str) -> random.Random:
    """A ``random.Random`` seeded from ``seed`` and the stable string ``name``.

    The same seed and name give the same stream in every process (no ``hash()``
    involved), and streams of different names are independent for practical
    purposes, so adding a host does not change the draws of another.
    """
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


class Streams:
    """A cache of named streams for one run."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def __call__(self, name: str) -> random.Random:
        """The stream called ``name`` (created on first use)."""
        s = self._streams.get(name)
        if s is None:
            s = self._streams[name] = stream(self.seed, name)
        return s
