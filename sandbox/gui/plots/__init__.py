"""The plots dock: one page of plots per topic, built from a registry of pages.

:class:`PlotsPanel` (the dock's widget) makes one tab per registered page
class (:func:`register_page`); every page derives from :class:`PlotPage`.
"""

from .availability import AvailabilityPage
from .base import PlotPage, PlotRun, Series
from .clocks import ClocksPage
from .latency import LatencyPage
from .memory import MemoryPage
from .panel import PlotsPanel
from .registry import PLOTS, page_classes, page_names, register_page, unregister_page
from .throughput import ThroughputPage

__all__ = [
    "PLOTS",
    "AvailabilityPage",
    "ClocksPage",
    "LatencyPage",
    "MemoryPage",
    "PlotPage",
    "PlotRun",
    "PlotsPanel",
    "Series",
    "ThroughputPage",
    "page_classes",
    "page_names",
    "register_page",
    "unregister_page",
]
