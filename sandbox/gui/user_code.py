"""The user's behaviour files in the window: loading, consent, watching, reloading, the template.

A behaviour file is Python code; it runs with the user's own permissions, so
the window runs one only after the user allowed that exact content (its
SHA-256). :class:`UserCodeController` (the window's ``user_code``) does:

* File > Load Behaviour...: the file is read and parsed (never run) with
  :func:`sandbox.scenario.user_files.file_status`, a syntax error is shown
  with its line and column, consent is asked, the file is loaded
  (:func:`sandbox.engine.user_code.load_files`) and the scenario's
  ``behaviour_files`` get its entry (one undoable edit). Its behaviours are
  then in the registry, so the inspector offers them.
* Before every run (``ShownRun.prepare_user_code``): every file the scenario
  names whose content is not allowed yet asks consent once; refusing cancels
  the run and keeps the scenario. The files are loaded afresh (a module's
  globals never carry over from one run to the next) and passed to the run.
  Opening a scenario never runs its code.
* Edit and rerun: a :class:`~PySide6.QtCore.QFileSystemWatcher` follows the
  loaded files; when one changes, the status bar offers "Reload and run
  again" (or does it at once with Run > Always Reload Changed Behaviour Files).
* File > New Behaviour File...: writes :func:`template` and loads it.

Consent is remembered, when the user leaves "Remember for this file version"
ticked, in the window's settings under ``code/allowed/<sha256>``; otherwise
for as long as the window is open. Every question goes through
:class:`CodePrompts` (the window's ``_ask_code_consent``,
``_ask_behaviour_path`` and ``_ask_new_behaviour_path``, which tests replace).
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QFileSystemWatcher,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..scenario import registry
from ..scenario.model import BehaviourFile, Scenario, cross_field_problems
from ..scenario.user_files import FileStatus, file_status, resolve

__all__ = ["ALWAYS_RELOAD_KEY", "CodePrompts", "ConsentDialog", "UserCodeController",
           "allowed_key", "ask_behaviour_path", "ask_consent", "ask_new_behaviour_path",
           "problem_text", "template"]

translate = QCoreApplication.translate

#: The settings key of Run > Always Reload Changed Behaviour Files.
ALWAYS_RELOAD_KEY = "code/always_reload"
#: Milliseconds the watcher waits after a change before reading the file (editors write twice).
SETTLE_MS = 150


def _tr(text: str) -> str:
    return translate("UserCode", text)


def allowed_key(sha256: str) -> str:
    """The settings key that remembers that the user allowed the file content ``sha256``."""
    return f"code/allowed/{sha256}"


def problem_text(status: FileStatus) -> str:
    """Why a behaviour file cannot be loaded, naming the file (and line and column)."""
    if status.syntax is not None:
        return _tr("{path}, line {line}, column {column}: {message}").format(
            path=status.path, line=status.syntax.line, column=status.syntax.column,
            message=status.syntax.message)
    return _tr("{path}: {problem}").format(path=status.path, problem=status.problem)


# -- the consent dialog -----------------------------------------------------------------------


class ConsentDialog(QDialog):
    """Asks whether to run a behaviour file: its path and SHA-256, what running it means,
    Run / Don't run and "Remember for this file version" (ticked)."""

    def __init__(self, path: str | os.PathLike, sha256: str, parent: QWidget | None = None,
                 note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Run code from a behaviour file?"))
        self.setObjectName("ConsentDialog")
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        top = QGridLayout()
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(icon, 0, 0, 2, 1)
        name = PurePath(path).name
        head = QLabel(self.tr("<b>{name}</b> is Python code.").format(
            name=name.replace("&", "&amp;").replace("<", "&lt;")), self)
        top.addWidget(head, 0, 1)
        self.explanation = QLabel(self.tr(
            "Running it runs it with your permissions: like any program you start, it can "
            "read, change or delete your files and use the network. Run it only if you wrote "
            "it or trust where it came from."), self)
        self.explanation.setWordWrap(True)
        top.addWidget(self.explanation, 1, 1)
        top.setColumnStretch(1, 1)
        layout.addLayout(top)
        if note:
            self.note = QLabel(note, self)
            self.note.setWordWrap(True)
            layout.addWidget(self.note)
        grid = QGridLayout()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.path_label = QLabel(str(path), self)
        self.sha_label = QLabel(sha256, self)
        self.sha_label.setFont(mono)
        for row, (title, label) in enumerate(((self.tr("File:"), self.path_label),
                                              (self.tr("SHA-256:"), self.sha_label))):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(QLabel(title, self), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 1)
        self.path_label.setWordWrap(True)
        # the hash on one line, whole: it is what the user may compare
        self.sha_label.setMinimumWidth(self.sha_label.fontMetrics().horizontalAdvance(sha256) + 8)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.remember = QCheckBox(self.tr("Remember for this file version"), self)
        self.remember.setChecked(True)
        self.remember.setToolTip(self.tr(
            "Do not ask again while the file's content stays the same (the same SHA-256); "
            "a changed file asks again. Unticked, you are asked again the next time you "
            "start DS Sandbox."))
        layout.addWidget(self.remember)
        buttons = QDialogButtonBox(self)
        self.run_button = buttons.addButton(self.tr("Run"),
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.dont_button = buttons.addButton(self.tr("Don't run"),
                                             QDialogButtonBox.ButtonRole.RejectRole)
        self.dont_button.setDefault(True)  # Enter does not run code by accident
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def answer(self) -> tuple[bool, bool]:
        """(run it?, remember?) after the dialog closed."""
        run = self.result() == QDialog.DialogCode.Accepted
        return run, run and self.remember.isChecked()


def ask_consent(parent: QWidget | None, path: Path, sha256: str, note: str = "") -> tuple[bool, bool]:
    """Show the consent dialog: (run it?, remember for this hash?)."""
    dialog = ConsentDialog(path, sha256, parent, note)
    dialog.exec()
    return dialog.answer()


def _start_folder(document: Any) -> str:
    path = getattr(document, "path", None)
    return str(path.parent) if path is not None else ""


def ask_behaviour_path(parent: QWidget | None, document: Any) -> str | None:
    """Ask for a behaviour file (.py) to load (None if cancelled)."""
    name, _ = QFileDialog.getOpenFileName(
        parent, _tr("Load Behaviour"), _start_folder(document),
        _tr("Python files (*.py);;All files (*)"))
    return name or None


def ask_new_behaviour_path(parent: QWidget | None, document: Any) -> str | None:
    """Ask where to write a new behaviour file (None if cancelled)."""
    name, _ = QFileDialog.getSaveFileName(
        parent, _tr("New Behaviour File"), os.path.join(_start_folder(document), "mine.py"),
        _tr("Python files (*.py)"))
    if name and not name.endswith(".py"):
        name += ".py"
    return name or None


# -- the template -------------------------------------------------------------------------------

_TEMPLATE = '''\
"""{title}: a behaviour of my own for DS Sandbox.

Every host whose behaviour is "{name}" runs the function decorated with
@behaviour below, with its own `node` (the node API: what a host may see and
do) and its own parameters. The guide, docs/writing-behaviours.md, explains
each part: the node API, parameters, layers (RPC, broadcast, failure
detector), reporting state, declaring a guarantee checker, determinism.

DS Sandbox runs this file only after you allowed it (it is Python code and
runs with your permissions). Save it while a run is shown and the window
offers to reload it and run again.
"""

from sandbox.api import MS, Duration, Field, Params, StateField, behaviour


# -- Parameters -------------------------------------------------------------------------------
# A pydantic model: the inspector builds a form from it (one row per field, with
# these limits and descriptions). Durations are integers of nanoseconds: 200 * MS.
class {cls}Params(Params):
    interval: Duration = Field(200 * MS, description="Time between two pings")
    count: int = Field(5, ge=1, le=1000, description="Pings each host sends")


# -- The behaviour ----------------------------------------------------------------------------
# A generator function. `yield from node.sleep(d)` and `yield from node.receive(...)`
# take simulated time; everything else happens at once. Loop as long as you like,
# but yield now and then: a step that never yields is stopped by a budget.
@behaviour(
    params={cls}Params,
    title="{title}",
    summary="Each host pings random peers and counts the answers",
    category="basic",
    # State the host reports with node.report_state: shown on the canvas (badge)
    # and on the space-time diagram.
    state=[StateField("pongs", "Answers received", kind="number", badge=True)],
)
def {name}(node, params):
    # Answer every ping at once, whatever the loop below is doing.
    node.on_message("ping", lambda msg: node.send(msg.src, {{"type": "pong"}}))
    pongs = 0
    node.report_state(pongs=pongs)
    peers = list(node.peers)  # the other hosts of the scenario
    if not peers:
        return
    for n in range(params.count):
        yield from node.sleep(params.interval)
        # node.rng is this host's own random stream: the same seed gives the same run.
        # (The global `random` module and wall-clock time are reported as warnings.)
        node.send(node.rng.choice(peers), {{"type": "ping", "n": n}})
        # Wait for an answer, but no longer than until the next ping is due.
        msg = yield from node.receive(timeout=params.interval,
                                      match=lambda m: m.payload.get("type") == "pong")
        if msg is not None:
            pongs += 1
            node.report_state(pongs=pongs)  # only fields that changed become an event
'''


def _identifier(stem: str) -> str:
    name = re.sub(r"\W+", "_", stem.strip().lower()).strip("_") or "mine"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"my_{name}"
    if registry.is_registered(name) and registry.behaviour(name).origin == "builtin":
        name = f"my_{name}"
    return name


def template(path: str | os.PathLike) -> str:
    """The text of a new behaviour file written to ``path``: a working behaviour named after
    the file (a parameter model with two fields, a loop that sleeps, sends and receives, a
    reported state), each part commented, pointing to docs/writing-behaviours.md."""
    name = _identifier(PurePath(path).stem)
    cls = "".join(part.capitalize() for part in name.split("_")) or "Mine"
    title = name.replace("_", " ").capitalize()
    return _TEMPLATE.format(name=name, cls=cls, title=title)


# -- the controller -----------------------------------------------------------------------------


@dataclass
class CodePrompts:
    """What the controller asks and says, as callables of the window (tests replace them).

    ``ask_code_consent(path, sha256) -> (run?, remember?)``;
    ``ask_behaviour_path() -> str | None``; ``ask_new_behaviour_path() -> str | None``;
    ``show_error(title, text)``; ``show_message(text, timeout)``.
    """

    ask_code_consent: Callable[[Path, str], tuple[bool, bool]]
    ask_behaviour_path: Callable[[], str | None]
    ask_new_behaviour_path: Callable[[], str | None]
    show_error: Callable[[str, str], None]
    show_message: Callable[..., None]


class UserCodeController(QObject):
    """The window's behaviour files: loaded with consent, watched, reloaded, passed to runs.

    ``document`` is the window's document, ``settings`` its QSettings (consent
    and the always-reload choice are kept there), ``shown_run`` its
    :class:`~sandbox.gui.shown_run.ShownRun` (whose ``prepare_user_code`` this
    sets).
    """

    #: The loaded files changed (loaded, reloaded or unloaded).
    loaded_changed = Signal()
    #: Loaded files changed on disk (their paths); the reload offer is shown.
    changed_on_disk = Signal(list)

    def __init__(self, document: Any, settings: QSettings, shown_run: Any, prompts: CodePrompts,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.shown_run = shown_run
        self.prompts = prompts
        self._loaded: Any = None                 # the engine's LoadedFiles, or None
        self._loaded_hashes: dict[Path, str] = {}  # file -> the content hash loaded
        self._session_allowed: set[str] = set()
        self._changed: list[Path] = []
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_file_changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.check_changes)
        #: The action that reloads the changed files and runs again (in the reload offer).
        self.reload_action = QAction(_tr("Re&load Behaviour Files and Run Again"), self)
        self.reload_action.setStatusTip(_tr(
            "Load the changed behaviour files again (asking consent for their new content) "
            "and compute the run again"))
        self.reload_action.setEnabled(False)
        self.reload_action.triggered.connect(lambda _checked=False: self.reload_and_run())
        #: The reload offer, for the status bar ("mine.py changed — Reload and run again").
        self.offer_button = QToolButton()
        self.offer_button.setObjectName("ReloadOffer")
        self.offer_button.clicked.connect(self.reload_action.trigger)  # its own text
        self.offer_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.offer_button.setIcon(self.offer_button.style().standardIcon(
            QStyle.StandardPixmap.SP_BrowserReload))
        self.offer_button.hide()
        shown_run.prepare_user_code = self.prepare_run
        document.reset.connect(self._on_reset)
        document.settings_changed.connect(self._on_settings_changed)

    # -- state ------------------------------------------------------------------------------

    @property
    def loaded(self) -> Any:
        """What the scenario's files gave when last loaded (a ``LoadedFiles``), or None."""
        return self._loaded

    def loaded_paths(self) -> list[Path]:
        """The files loaded now."""
        return list(self._loaded_hashes)

    @property
    def always_reload(self) -> bool:
        """Whether a changed file is reloaded and run again without asking."""
        return bool(self.settings.value(ALWAYS_RELOAD_KEY, False, type=bool))

    def set_always_reload(self, on: bool) -> None:
        """Run > Always Reload Changed Behaviour Files (remembered in the settings)."""
        self.settings.setValue(ALWAYS_RELOAD_KEY, bool(on))

    def base(self) -> Path | None:
        """The folder the scenario's file paths are relative to (None while unsaved)."""
        path = self.document.path
        return Path(path).parent if path is not None else None

    def is_allowed(self, sha256: str) -> bool:
        """Whether the user allowed running the file content ``sha256``."""
        return sha256 in self._session_allowed or \
            bool(self.settings.value(allowed_key(sha256), False, type=bool))

    def consent(self, path: Path, sha256: str) -> bool:
        """Ask, unless already allowed, whether to run the file content ``sha256`` at ``path``."""
        if self.is_allowed(sha256):
            return True
        run, remember = self.prompts.ask_code_consent(path, sha256)
        if not run:
            return False
        self._session_allowed.add(sha256)
        if remember:
            self.settings.setValue(allowed_key(sha256), True)
        return True

    # -- File > Load Behaviour... and New Behaviour File... ---------------------------------------

    def load_behaviour(self, path: str | os.PathLike | None = None) -> bool:
        """Load a behaviour file (asked for when ``path`` is None) and add it to the scenario's
        behaviour files, or update its entry, in one undo step. Returns whether it was loaded."""
        if path is None:
            path = self.prompts.ask_behaviour_path()
            if not path:
                return False
        status = file_status(os.path.abspath(path), None)
        title = _tr("Cannot load behaviour file")
        if status.problem or status.sha256 is None:
            self.prompts.show_error(title, problem_text(status))
            return False
        if not self.consent(status.path, status.sha256):
            self.prompts.show_message(_tr("{name} was not loaded: you did not allow its code "
                                          "to run").format(name=status.path.name))
            return False
        base = self.base()
        entry = BehaviourFile(path=self._entry_path(status.path), sha256=status.sha256,
                              behaviours=status.names)
        entries = list(self.document.scenario.behaviour_files)
        index = next((i for i, e in enumerate(entries)
                      if _same(resolve(e, base), status.path)), None)
        if index is None:
            entries.append(entry)
            text = _tr("Load behaviour file {name}").format(name=status.path.name)
        else:
            entries[index] = entry
            text = _tr("Update behaviour file {name}").format(name=status.path.name)
        # the scenario's other files run too: each needs its consent
        entries = self._checked_entries(entries, title)
        if entries is None:
            return False
        candidate = self.document.scenario.model_copy(update={"behaviour_files": entries})
        before = set(cross_field_problems(self.document.scenario))
        new = [p for p in cross_field_problems(candidate) if p not in before]
        if new:
            self.prompts.show_error(title, "\n".join(f"{status.path.name}: {m}" for _p, m in new))
            return False
        if not self._load(candidate, title):
            return False
        self.document.set_behaviour_files(entries, text)
        names = ", ".join(status.names) or _tr("none")
        self.prompts.show_message(_tr("Loaded {name}: behaviours {names}").format(
            name=status.path.name, names=names) + self._warnings_text())
        return True

    def new_behaviour_file(self, path: str | os.PathLike | None = None) -> bool:
        """Write a template behaviour file (asked where when ``path`` is None) and load it."""
        if path is None:
            path = self.prompts.ask_new_behaviour_path()
            if not path:
                return False
        try:
            Path(path).write_text(template(path), encoding="utf-8")
        except OSError as exc:
            self.prompts.show_error(_tr("Cannot write behaviour file"), _tr("{path}: {reason}")
                                    .format(path=path, reason=exc.strerror or exc))
            return False
        return self.load_behaviour(path)

    def _entry_path(self, path: Path) -> str:
        """The path a scenario records: relative to its folder (``/`` between parts), or
        absolute while the scenario has no file (or is on another drive)."""
        base = self.base()
        if base is None:
            return path.as_posix()
        try:
            return Path(os.path.relpath(path, base)).as_posix()
        except ValueError:  # another drive (Windows)
            return path.as_posix()

    # -- loading ------------------------------------------------------------------------------

    def _load(self, scenario: Scenario, title: str) -> bool:
        """Load (run) every behaviour file of ``scenario``, consent having been given; the old
        loaded files go first. Reports a problem and returns False."""
        from ..engine import user_code as engine  # the engine imports nothing of the GUI

        self._unload()
        try:
            loaded = engine.load_files(scenario, self.base(), allow=True)
        except Exception as exc:  # noqa: BLE001 - the user's code: any error is a message
            self.prompts.show_error(title, _error_text(exc))
            self.loaded_changed.emit()
            return False
        self._loaded = loaded
        self._loaded_hashes = {Path(f.path).resolve(): f.sha256 for f in loaded.files}
        self._watch()
        self.loaded_changed.emit()
        return True

    def _unload(self) -> None:
        if self._loaded is not None:
            try:
                self._loaded.unload()
            finally:
                self._loaded = None
        self._loaded_hashes = {}
        self._watch()

    def unload(self) -> None:
        """Unregister every behaviour and checker of the loaded files and stop watching them."""
        self._unload()
        self._hide_offer()
        self.loaded_changed.emit()

    def _warnings_text(self) -> str:
        warnings = list(getattr(self._loaded, "warnings", []) or [])
        if not warnings:
            return ""
        more = _tr(" (and {n} more)").format(n=len(warnings) - 1) if len(warnings) > 1 else ""
        return _tr(" \u2014 warning: {warning}{more}").format(warning=warnings[0], more=more)

    def _checked_entries(self, entries: Any, title: str) -> list[BehaviourFile] | None:
        """``entries`` with the hash and names each file has now, every file read (a problem
        is shown) and its content allowed (asked once); None when one cannot run."""
        base = self.base()
        statuses = [file_status(e, base) for e in entries]
        bad = [s for s in statuses if s.problem or s.sha256 is None]
        if bad:
            self.prompts.show_error(title, "\n".join(problem_text(s) for s in bad))
            return None
        for status in statuses:
            assert status.sha256 is not None
            if not self.consent(status.path, status.sha256):
                self.prompts.show_message(_tr(
                    "Not run: you did not allow the code of {name} to run").format(
                        name=status.path.name), 8000)
                return None
        return [e.model_copy(update={"sha256": s.sha256, "behaviours": s.names})
                if (e.sha256, e.behaviours) != (s.sha256, s.names) else e
                for e, s in zip(entries, statuses, strict=True)]

    # -- runs ---------------------------------------------------------------------------------

    def prepare_run(self) -> tuple[bool, Any]:
        """Before a run: every behaviour file of the scenario is read (a problem stops the run
        with a message), asks consent for content not allowed yet (refusing stops the run and
        keeps the scenario), and is loaded afresh. A file whose content changed since it was
        recorded gets its new hash recorded (one undo step). Returns (run?, the loaded files)."""
        scenario = self.document.scenario
        if not scenario.behaviour_files:
            if self._loaded is not None:
                self.unload()
            return True, None
        checked = self._checked_entries(scenario.behaviour_files, _tr("Cannot run"))
        if checked is None:
            return False, None
        entries = checked
        candidate = scenario.model_copy(update={"behaviour_files": entries})
        if not self._load(candidate, _tr("Cannot run")):
            return False, None
        if entries != list(scenario.behaviour_files):
            base = self.base()
            changed = [resolve(new, base).name for old, new in
                       zip(scenario.behaviour_files, entries, strict=True)
                       if old.sha256 != new.sha256]
            try:
                self.document.set_behaviour_files(
                    entries, _tr("Record new version of {names}").format(
                        names=", ".join(changed) or _tr("behaviour files")))
            except ValueError as exc:  # a name now clashes: say so, run nothing
                self.prompts.show_error(_tr("Cannot run"), str(exc))
                return False, None
        self._hide_offer()
        warnings = self._warnings_text()
        if warnings:
            self.prompts.show_message(warnings.lstrip(" \u2014"), 12000)
        return True, self._loaded

    # -- watching and reloading -----------------------------------------------------------------

    def _watch(self) -> None:
        watched = set(self.watcher.files())
        wanted = {str(p) for p in self._loaded_hashes}
        if watched - wanted:
            self.watcher.removePaths(sorted(watched - wanted))
        missing = [p for p in sorted(wanted - watched) if os.path.exists(p)]
        if missing:
            self.watcher.addPaths(missing)

    def _on_file_changed(self, _path: str) -> None:
        self._settle.start()

    def changed_files(self) -> list[Path]:
        """The loaded files whose content differs now from what was loaded."""
        out = []
        for path, sha in self._loaded_hashes.items():
            status = file_status(str(path), None)
            if status.sha256 != sha:
                out.append(path)
        return out

    def check_changes(self) -> list[Path]:
        """Compare the loaded files with the disk; offer a reload (or do it) when one changed."""
        self._watch()  # an editor that saves by replacing the file: follow the new one
        changed = self.changed_files()
        self._changed = changed
        if not changed:
            self._hide_offer()
            return []
        self.changed_on_disk.emit(changed)
        if self.always_reload:
            self.reload_and_run()
            return changed
        names = ", ".join(p.name for p in changed)
        self.offer_button.setText(_tr("{names} changed \u2014 Reload and run again").format(
            names=names))
        self.offer_button.setToolTip(self.reload_action.statusTip())
        self.reload_action.setEnabled(True)
        self.offer_button.show()
        return changed

    def _hide_offer(self) -> None:
        self._changed = []
        self.offer_button.hide()
        self.reload_action.setEnabled(False)

    def reload_and_run(self) -> bool:
        """Reload the changed files (a syntax error is reported and the run shown stays; a new
        content asks consent) and compute the run again (or run, when none is shown)."""
        base = self.base()
        for entry in self.document.scenario.behaviour_files:
            status = file_status(entry, base)
            if status.syntax is not None or status.problem:
                self.prompts.show_error(_tr("Cannot reload behaviour file"), problem_text(status))
                return False
        self._hide_offer()
        if self.shown_run.timeline is not None:
            return bool(self.shown_run.recompute())
        return bool(self.shown_run.run())

    # -- the document -------------------------------------------------------------------------

    def _on_reset(self) -> None:
        """A scenario opened or new: nothing of the old one stays loaded; nothing runs."""
        if self._loaded is not None or self._loaded_hashes:
            self.unload()

    def _on_settings_changed(self, name: str) -> None:
        """The behaviour files edited (undo of a load, say): a loaded file the scenario no
        longer names is unloaded."""
        if name != "behaviour_files" or self._loaded is None:
            return
        base = self.base()
        scenario = self.document.scenario
        named = {resolve(e, base).resolve(): e for e in scenario.behaviour_files}
        if not set(self._loaded_hashes) - set(named):
            return
        # The files still named stay loaded when they are the code loaded (and consented to)
        # before: the undo of a second load keeps the first one's behaviours offered.
        kept = self._loaded_hashes
        if named and all(kept.get(path) == file_status(e, base).sha256
                         for path, e in named.items()):
            self._load(scenario, _tr("Cannot load behaviour"))
            self._hide_offer()
        else:
            self.unload()


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _error_text(exc: BaseException) -> str:
    """A loader's error as a sentence (its message names the file and line), never a
    traceback."""
    text = str(exc).strip()
    return text or type(exc).__name__
