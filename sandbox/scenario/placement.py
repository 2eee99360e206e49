"""Where the pages of the DSM address space live: the home host of each page.

The editor's memory map and the engine use these same functions, so the map a
user sees is the placement a run uses. Only hosts that contribute memory
(``memory_pages > 0``) hold pages; when no host contributes, every host does,
with equal weight.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Host, Scenario

#: The placement policies, as named in ``MemorySpec.placement``.
PLACEMENTS = ("round_robin", "blocked", "by_capacity")


def contributors(hosts: Sequence[Host]) -> list[Host]:
    """The hosts that hold pages: those with memory, or all hosts when none has any."""
    with_memory = [h for h in hosts if h.memory_pages > 0]
    return with_memory or list(hosts)


def _shares(weights: Sequence[int], pages: int) -> list[int]:
    """Split ``pages`` in proportion to ``weights`` by largest remainder (sums to ``pages``)."""
    total = sum(weights)
    if total <= 0:
        weights = [1] * len(weights)
        total = len(weights)
    exact = [pages * w / total for w in weights]
    counts = [int(x) for x in exact]
    left = pages - sum(counts)
    # Largest fractional part first; ties go to the earlier host (stable).
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:left]:
        counts[i] += 1
    return counts


def page_homes_for(
    hosts: Sequence[Host], pages: int, placement: str = "round_robin"
) -> list[str]:
    """The home host id of each of ``pages`` pages under ``placement``.

    ``round_robin`` deals pages one by one to the contributing hosts in order;
    ``blocked`` gives each contributing host one contiguous block of equal size;
    ``by_capacity`` gives each one a contiguous block in proportion to its
    ``memory_pages``. With no hosts the result is empty.
    """
    owners = contributors(hosts)
    if not owners or pages <= 0:
        return []
    ids = [h.id for h in owners]
    n = len(ids)
    if placement == "round_robin":
        return [ids[i % n] for i in range(pages)]
    if placement == "blocked":
        counts = _shares([1] * n, pages)
    elif placement == "by_capacity":
        counts = _shares([h.memory_pages for h in owners], pages)
    else:
        raise ValueError(
            f"unknown placement {placement!r} (known: {', '.join(PLACEMENTS)})"
        )
    out: list[str] = []
    for host_id, count in zip(ids, counts, strict=True):
        out.extend([host_id] * count)
    return out


def page_homes(scenario: Scenario) -> list[str]:
    """The home host id of every page of the scenario's address space, in page order."""
    memory = scenario.memory
    return page_homes_for(scenario.hosts, memory.pages, memory.placement)


def page_counts(homes: Sequence[str]) -> dict[str, int]:
    """How many pages each host holds, in order of first appearance."""
    counts: dict[str, int] = {}
    for host_id in homes:
        counts[host_id] = counts.get(host_id, 0) + 1
    return counts
