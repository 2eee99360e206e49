"""The one-line progress bar of the command line (a run's simulated time, a sweep's runs)."""

from __future__ import annotations

from typing import TextIO

__all__ = ["ProgressLine"]

#: The width of the bar, in characters.
BAR = 30


class ProgressLine:
    """Draws ``[####      ] text`` over itself on ``stream`` and clears it at the end."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.shown = False
        self._width = 0

    def draw(self, frac: float, text: str) -> None:
        """Show the bar ``frac`` (0 to 1) full, followed by ``text``."""
        line = f"[{'#' * int(frac * BAR):<{BAR}}] {text}   "
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line)
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        """Clear the line."""
        if self.shown:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self.shown = False
