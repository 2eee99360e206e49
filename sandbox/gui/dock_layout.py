"""The main window's dock layout: geometry and layout kept in the settings, the first layout
to reset to, and the docks of a run shown only while a run is loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["STATE_VERSION", "DockLayout"]

#: Bumped when the dock layout changes incompatibly (old saved layouts are then ignored).
STATE_VERSION = 4


class DockLayout:
    """Keeps the window's dock layout: which run docks the user keeps open with a run is
    remembered on its own, since they are hidden while editing."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._default_state: QByteArray | None = None
        self._run_docks_shown: dict[QDockWidget, bool] = {}
        self._run_docks_sized = False

    def _first_sizes(self) -> None:
        w = self.window
        w.resizeDocks([w.palette_dock], [150], Qt.Orientation.Horizontal)
        w.resizeDocks([w.inspector_dock], [360], Qt.Orientation.Horizontal)

    def restore(self) -> None:
        """Restore geometry and dock layout from the settings (the run docks stay hidden)."""
        w = self.window
        self._default_state = w.saveState(STATE_VERSION)
        self._first_sizes()
        geometry = w.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            w.restoreGeometry(geometry)
        state = w.settings.value("window/state")
        restored = isinstance(state, QByteArray) and not state.isEmpty() \
            and w.restoreState(state, STATE_VERSION)
        # The run docks keep their place in the layout but are shown only with a run;
        # which of them the user keeps open with a run is remembered on its own.
        names = w.settings.value("window/run_docks")
        if isinstance(names, str):
            names = [names]
        if restored and isinstance(names, list):
            self._run_docks_shown = {dock: dock.objectName() in names for dock in w.run_docks}
        else:
            self._run_docks_shown = dict.fromkeys(w.run_docks, True)
        self._run_docks_sized = bool(restored)
        self.hide_run_views()

    def save(self) -> None:
        """Remember the window geometry and the dock layout (the run docks' too)."""
        w = self.window
        w.settings.setValue("window/geometry", w.saveGeometry())
        w.settings.setValue("window/state", w.saveState(STATE_VERSION))
        if w.timeline is not None:
            self._run_docks_shown = {dock: not dock.isHidden() for dock in w.run_docks}
        w.settings.setValue("window/run_docks", [dock.objectName() for dock, shown
                                                 in self._run_docks_shown.items() if shown])
        w.settings.sync()

    def reset(self) -> None:
        """Put the docks back in their first layout."""
        w = self.window
        if self._default_state is not None:
            w.restoreState(self._default_state, STATE_VERSION)
        for dock in (w.palette_dock, w.inspector_dock, w.settings_dock, w.memory_dock,
                     w.faults_dock, w.problems_dock):
            dock.show()
        w.inspector_dock.raise_()
        self._first_sizes()
        self._run_docks_shown = dict.fromkeys(w.run_docks, True)
        self._run_docks_sized = False
        if w.timeline is not None:
            self.show_run_views()
        else:
            self.hide_run_views()

    def show_run_views(self) -> None:
        """Show the run docks the user keeps open, and the player."""
        w = self.window
        appearing = w.playback_toolbar.isHidden()
        for dock in w.run_docks:
            dock.setVisible(self._run_docks_shown.get(dock, True))
        w.playback_toolbar.show()
        w.run_label.show()
        if not self._run_docks_sized and w.isVisible():
            self._run_docks_sized = True
            self.resize_run_docks()
        if appearing:
            # the docks take room from the canvas: keep the scenario in view
            QTimer.singleShot(0, self._keep_scenario_in_view)

    def _keep_scenario_in_view(self) -> None:
        self.window.view.fit_if_needed()  # only when not all in view, never below readable

    def resize_run_docks(self) -> None:
        """Give the run docks their first sizes: a good third of the height, the diagram
        wider than the plots."""
        w = self.window
        docks = [w.spacetime_dock, w.plots_dock]
        height = max(220, int(w.height() * 0.38))
        w.resizeDocks(docks, [height, height], Qt.Orientation.Vertical)
        width = w.width() - w.palette_dock.width()
        w.resizeDocks(docks, [int(width * 0.52), int(width * 0.48)], Qt.Orientation.Horizontal)

    def run_cleared(self, was_shown: bool) -> None:
        """The run is gone: remember which run docks were open, then hide them."""
        if was_shown:
            self._run_docks_shown = {dock: not dock.isHidden() for dock in self.window.run_docks}
        self.hide_run_views()

    def hide_run_views(self) -> None:
        """Hide the run docks and the player."""
        w = self.window
        for dock in w.run_docks:
            dock.hide()
        w.playback_toolbar.hide()
        w.run_label.hide()
