"""The plots dock: one page of plots per topic, built from a registry of pages."""

from .panel import PLOTS, PlotsPanel, Series

__all__ = ["PLOTS", "PlotsPanel", "Series"]
