"""Distributed shared memory: a worker that reads and writes the address space."""

from __future__ import annotations

from collections.abc import Generator

from sandbox.scenario import behaviours as P

from ..node import Node


def dsm_worker(node: Node, params: P.DsmWorkerParams) -> Generator:
    """Read and write the shared address space with an access pattern and think time."""
    mem = node.memory
    pages, page_size = mem.pages, mem.page_size
    hot = max(1, int(pages * params.hot_fraction))
    mine = mem.pages_homed_at(node.id) or list(range(pages))
    i = node.state.get("done", 0)
    while params.operations == 0 or i < params.operations:
        rng = node.rng
        if params.pattern == "sequential":
            page = i % pages
        elif params.pattern == "random":
            page = rng.randrange(pages)
        elif params.pattern == "hot_spot":
            page = rng.randrange(hot) if rng.random() < 0.9 else rng.randrange(pages)
        else:
            page = mine[i % len(mine)]
        addr = page * page_size + rng.randrange(max(1, page_size // 8)) * 8 % page_size
        if rng.random() < params.write_ratio:
            yield from node.write(addr, rng.randrange(1 << 30))
        else:
            yield from node.read(addr)
        i += 1
        node.state["done"] = i
        if params.think_time:
            yield from node.sleep(params.think_time)
