"""The registry of plot pages: the ordered list of page classes the plots dock makes tabs of.

The built-in pages are registered here, in the order of their tabs. A
protocol adds its own page with :func:`register_page` (also usable as a
class decorator); every plots dock made afterwards shows it as a tab.
"""

from __future__ import annotations

from typing import TypeVar

from .availability import AvailabilityPage
from .base import PlotPage
from .clocks import ClocksPage
from .latency import LatencyPage
from .memory import MemoryPage
from .throughput import ThroughputPage

__all__ = ["PLOTS", "page_classes", "page_names", "register_page", "unregister_page"]

P = TypeVar("P", bound=type[PlotPage])

_PAGES: list[type[PlotPage]] = []


def register_page(page: P, *, before: str | None = None) -> P:
    """Add the page class ``page`` to the plots dock, last or before the page named ``before``.

    Returns ``page``, so that it can decorate the class. Raises ``ValueError``
    if the page has no :attr:`~PlotPage.name`, if a page of that name is
    registered already, or if ``before`` names no page.
    """
    if not page.name:
        raise ValueError(f"{page.__name__} has no name")
    names = page_names()
    if page.name in names:
        raise ValueError(f"a plot page named {page.name!r} is registered already")
    if before is not None and before not in names:
        raise ValueError(f"no plot page named {before!r}")
    _PAGES.insert(len(_PAGES) if before is None else names.index(before), page)
    return page


def unregister_page(name: str) -> None:
    """Take the page called ``name`` out of the registry (docks made afterwards lack it)."""
    _PAGES[:] = [p for p in _PAGES if p.name != name]


def page_classes() -> tuple[type[PlotPage], ...]:
    """The registered page classes, in the order of their tabs."""
    return tuple(_PAGES)


def page_names() -> tuple[str, ...]:
    """The names of the registered pages, in the order of their tabs."""
    return tuple(p.name for p in _PAGES)


for _page in (ClocksPage, LatencyPage, ThroughputPage, AvailabilityPage, MemoryPage):
    register_page(_page)

#: The built-in plots (tabs) of the panel, by name, in order.
# Pages of protocol families register themselves (after the built-in ones, in this order).
from . import protocol, gossip  # noqa: E402,F401,I001

PLOTS: tuple[str, ...] = page_names()
