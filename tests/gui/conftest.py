"""Shared GUI fixtures: a small document and a canvas (scene + view) showing it."""

from __future__ import annotations

import gc
from dataclasses import dataclass

import pytest

from sandbox.gui.canvas import CanvasScene, CanvasView
from sandbox.gui.document import Document
from sandbox.scenario import Host, Link, Scenario


def clear_pending_quit() -> None:
    """Undo an application quit requested while no event loop ran.

    A test that closes the last window after ``app.exec()`` has returned leaves
    Qt's "quit now" flag set, and then every event loop (``qtbot.waitSignal``'s
    too) returns at once. One short ``exec()`` clears the flag.
    """
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    if loop.exec() == -1:
        QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
        QCoreApplication.exec()


@pytest.fixture(autouse=True)
def _no_pending_quit(qapp):
    """Every GUI test starts with working event loops, whatever the test before it did.

    After the test (and after qtbot has closed its widgets) the garbage
    collector runs at once: Python wrappers of Qt objects left in reference
    cycles are then freed while their C++ objects still exist, instead of at a
    random allocation in a later test, after Qt may have deleted those objects
    (a crash seen in CI).
    """
    clear_pending_quit()
    yield
    gc.collect()


@pytest.fixture
def document(qapp) -> Document:
    """Three hosts in a triangle (h1 at 0,0; h2 at 300,0; h3 at 0,200) and three links."""
    hosts = [Host(id="h1", x=0, y=0), Host(id="h2", x=300, y=0),
             Host(id="h3", kind="vm", x=0, y=200)]
    links = [Link(a="h1", b="h2"), Link(a="h2", b="h3"), Link(a="h1", b="h3")]
    return Document(Scenario(title="Test", hosts=hosts, links=links))


@dataclass
class Canvas:
    """A canvas under test: the document, its scene and a shown view at 100 % zoom."""

    document: Document
    scene: CanvasScene
    view: CanvasView


@pytest.fixture
def canvas(qtbot, document) -> Canvas:
    """A CanvasView of the ``document`` fixture, 800 x 600, centred on (150, 100), zoom 1."""
    scene = CanvasScene(document)
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.resetTransform()
    view.centerOn(150, 100)
    return Canvas(document, scene, view)
