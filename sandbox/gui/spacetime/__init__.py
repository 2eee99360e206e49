"""The space-time (Lamport) diagram package; the widget is :class:`SpaceTimeView`."""

from .widget import DETAIL_LIMIT, SpaceTimeView

__all__ = ["DETAIL_LIMIT", "SpaceTimeView"]
