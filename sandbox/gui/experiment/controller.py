"""What joins the Experiment window to the main window: opening it on the document's
scenario (prefilled with a field), consent for behaviour files, and opening a run of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QGuiApplication

from ...scenario import scenario_from_dict
from ...scenario.model import Scenario
from ...scenario.user_files import file_status, resolve

if TYPE_CHECKING:
    from .dialog import ExperimentDialog

__all__ = ["ExperimentController"]


def _bring_forward(window: Any) -> None:
    """Put a shown window in front of the others (the offscreen platform has no stacking)."""
    if window.isMinimized():
        window.showNormal()
    if QGuiApplication.platformName() != "offscreen":
        window.raise_()
        window.activateWindow()


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExperimentDialog", text)


class ExperimentController(QObject):
    """The main window's Experiment window (one, made when first asked for).

    ``window`` is the :class:`~sandbox.gui.main_window.MainWindow`: its document's scenario
    is swept, its behaviour-file consent (``user_code``) is asked before a sweep runs users'
    code, and a run the window asks for is opened and run there (:meth:`open_run`).
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ExperimentDialog | None = None

    def open(self, path: str | None = None) -> ExperimentDialog:
        """Show the Experiment window on the document's scenario (unless a sweep runs in it),
        with ``path`` as the field to vary when given; returns it."""
        from .dialog import ExperimentDialog

        doc = self.window.document
        base = self.window.user_code.base()
        if self.dialog is None:
            self.dialog = ExperimentDialog(doc.scenario, self.window, base=base,
                                           prepare_code=self.prepare_code)
            self.dialog.run_requested.connect(self.open_run)
        elif not self.dialog.is_running():
            self.dialog.set_scenario(doc.scenario, base)
        if path and not self.dialog.is_running():
            self.dialog.set_parameter(path)
        self.dialog.show()
        _bring_forward(self.dialog)
        return self.dialog

    def prepare_code(self, scenario: Scenario) -> tuple[bool, bool]:
        """Before a sweep of a scenario that names behaviour files: each file is read (a
        problem is shown) and its content allowed by the user, as for a run of the window
        (asked once per content). Returns (start?, allow their code?)."""
        user_code = self.window.user_code
        base = user_code.base()
        for entry in scenario.behaviour_files:
            status = file_status(entry, base)
            if status.problem or status.sha256 is None:
                self.window._show_error(_tr("Cannot start the experiment"),
                                        _tr("{path}: {problem}").format(
                                            path=status.path, problem=status.problem))
                return False, False
            if not user_code.consent(status.path, status.sha256):
                return False, False
        return True, True

    def open_run(self, data: dict[str, Any], seed: int, until: int | None,
                 title: str = "") -> bool:
        """Open a run of the sweep in the main window and run it with ``seed``.

        When the run's scenario is the document's (a sweep over seeds only, nothing edited
        since), the document stays and is run with that seed. Otherwise the variant is
        opened as a new, untitled scenario named ``title`` — after the window's usual
        question about unsaved changes (Cancel keeps everything as it was); its behaviour
        files keep pointing at the same files. Returns whether the run was started.
        """
        window = self.window
        scenario = scenario_from_dict(data)
        same = scenario.model_dump(mode="json") == window.document.scenario.model_dump(
            mode="json")
        if not same:
            if not window.maybe_save():
                return False
            base = window.user_code.base()
            files = [f.model_copy(update={"path": str(resolve(f, base).absolute())})
                     for f in scenario.behaviour_files]
            update: dict[str, Any] = {"behaviour_files": files}
            if title:
                update["title"] = title
            window.load_scenario(scenario.model_copy(update=update), None)
        started = bool(window.run(seed=seed, until=until, keep_time=False))
        _bring_forward(window)
        return started
