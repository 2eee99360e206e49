"""Canvas tests with real mouse and key events: drops, links, moves, delete + undo, selection."""

from __future__ import annotations

import gc

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sandbox.gui.canvas import GROUP_KIND_MIME, HOST_KIND_MIME, Palette
from sandbox.gui.canvas.items import HOST_HEIGHT, HOST_WIDTH, HostItem
from sandbox.scenario import Group

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def vp(canvas, x: float, y: float) -> QPoint:
    """The viewport point showing scene point (x, y)."""
    return canvas.view.mapFromScene(QPointF(x, y))


def drag(canvas, start: QPoint, end: QPoint, modifiers=NO_MOD, steps: int = 8) -> None:
    """Press at ``start``, move in steps to ``end`` and release, on the viewport."""
    viewport = canvas.view.viewport()
    QTest.mousePress(viewport, LEFT, modifiers, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        QTest.mouseMove(viewport, p)
    QTest.mouseRelease(viewport, LEFT, modifiers, end)


def drop(canvas, mime: str, kind: str, pos: QPoint) -> None:
    """Drag a palette kind (MIME data with the kind) over the viewport and drop it at ``pos``.

    QDrag.exec blocks offscreen, so the enter, move and drop events are sent
    as the drag manager would send them.
    """
    data = QMimeData()
    data.setData(mime, kind.encode())
    viewport = canvas.view.viewport()
    copy = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, copy, data, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, copy, data, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, move)
    event = QDropEvent(QPointF(pos), copy, data, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, event)
    assert event.isAccepted()


def links_of_items(canvas):
    return [(it.link.a, it.link.b) for it in canvas.scene.link_items()]


def test_scene_mirrors_document(canvas):
    s = canvas.document.scenario
    assert [it.host_id for it in canvas.scene.host_items()] == s.host_ids()
    assert links_of_items(canvas) == [(lk.a, lk.b) for lk in s.links]
    assert canvas.scene.link_item(0).label_text().startswith("≈")


def test_palette_drop_creates_host_at_drop_point(canvas):
    palette = Palette()
    assert palette.host_buttons["vm"].mime_data().hasFormat(HOST_KIND_MIME)
    pos = QPoint(613, 437)
    drop(canvas, HOST_KIND_MIME, "vm", pos)
    doc = canvas.document
    assert doc.undo_stack.count() == 1
    host = doc.scenario.hosts[-1]
    assert host.kind == "vm" and host.id == "vm1"
    target = canvas.view.mapToScene(pos)
    grid = canvas.scene.grid_size
    assert abs(host.x - target.x()) <= grid / 2 and abs(host.y - target.y()) <= grid / 2
    assert host.x % grid == 0 and host.y % grid == 0
    assert canvas.scene.selected_host_ids() == ["vm1"]
    item = canvas.scene.host_item("vm1")
    assert (item.pos().x(), item.pos().y()) == (host.x, host.y)


def test_drop_inside_group_box_sets_group(canvas):
    doc = canvas.document
    drop(canvas, GROUP_KIND_MIME, "rack", vp(canvas, 400, -100))
    gid = doc.scenario.groups[-1].id
    assert doc.scenario.groups[-1].kind == "rack"
    drop(canvas, HOST_KIND_MIME, "container", vp(canvas, 480, 60))
    assert doc.scenario.hosts[-1].group == gid
    drop(canvas, HOST_KIND_MIME, "machine", vp(canvas, -200, 60))
    assert doc.scenario.hosts[-1].group is None


def test_shift_drag_host_to_host_creates_link(canvas):
    doc = canvas.document
    doc.remove(link_indices=[1])
    n = len(doc.scenario.links)
    drag(canvas, vp(canvas, 300, 0), vp(canvas, 0, 200), Qt.KeyboardModifier.ShiftModifier)
    assert len(doc.scenario.links) == n + 1
    assert (doc.scenario.links[-1].a, doc.scenario.links[-1].b) == ("h2", "h3")
    assert links_of_items(canvas)[-1] == ("h2", "h3")
    # The hosts did not move.
    assert (doc.host("h2").x, doc.host("h2").y) == (300, 0)


def test_link_tool_drag_creates_link_and_esc_cancels(canvas, qtbot):
    doc = canvas.document
    doc.remove(link_indices=[0])
    canvas.scene.set_link_tool(True)
    viewport = canvas.view.viewport()
    # A drag cancelled with Esc makes nothing.
    QTest.mousePress(viewport, LEFT, NO_MOD, vp(canvas, 0, 0))
    QTest.mouseMove(viewport, vp(canvas, 150, 0))
    QTest.mouseMove(viewport, vp(canvas, 300, 0))
    QTest.keyClick(canvas.view, Qt.Key.Key_Escape)
    QTest.mouseRelease(viewport, LEFT, NO_MOD, vp(canvas, 300, 0))
    assert len(doc.scenario.links) == 2
    drag(canvas, vp(canvas, 0, 0), vp(canvas, 300, 0))
    assert (doc.scenario.links[-1].a, doc.scenario.links[-1].b) == ("h1", "h2")
    # Released on empty canvas: no link.
    drag(canvas, vp(canvas, 0, 200), vp(canvas, 200, 300))
    assert len(doc.scenario.links) == 3


def test_moving_a_host_moves_its_links_in_one_undo_step(canvas):
    doc, scene = canvas.document, canvas.scene
    link = scene.link_item(0)  # h1 - h2
    before_line = link.line()
    drag(canvas, vp(canvas, 300, 0), vp(canvas, 400, 143))
    assert (doc.host("h2").x, doc.host("h2").y) == (400, 140)  # snapped to the grid
    assert link.line().p2() != before_line.p2()
    # The line ends on the edge of the moved host's card, and the layer draws that line.
    centre, end = scene.host_item("h2").pos(), link.line().p2()
    assert abs(end.x() - centre.x()) <= HOST_WIDTH / 2 + 1
    assert abs(end.y() - centre.y()) <= HOST_HEIGHT / 2 + 1
    assert link.line() in scene.link_layer().lines()
    assert scene.link_item(1).line().p1() != before_line.p2()
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Move host"
    doc.undo_stack.undo()
    assert (doc.host("h2").x, doc.host("h2").y) == (300, 0)
    assert scene.host_item("h2").pos() == QPointF(300, 0)
    assert link.line() == before_line


def test_dragging_a_selection_moves_all_in_one_step(canvas):
    doc, scene = canvas.document, canvas.scene
    scene.select(host_ids=["h1", "h3"])
    drag(canvas, vp(canvas, 0, 0), vp(canvas, -100, 40))
    assert (doc.host("h1").x, doc.host("h1").y) == (-100, 40)
    assert (doc.host("h3").x, doc.host("h3").y) == (-100, 240)
    assert doc.host("h2").x == 300
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Move 2 hosts"
    assert gc.isenabled()  # paused during the drag only


def test_click_without_move_makes_no_edit(canvas):
    QTest.mouseClick(canvas.view.viewport(), LEFT, NO_MOD, vp(canvas, 300, 0))
    assert canvas.scene.selected_host_ids() == ["h2"]
    assert canvas.document.undo_stack.count() == 0


def test_delete_and_undo_restore_host_and_links_in_order(canvas):
    doc, scene = canvas.document, canvas.scene
    before = doc.scenario.model_dump()
    QTest.mouseClick(canvas.view.viewport(), LEFT, NO_MOD, vp(canvas, 300, 0))
    assert scene.selected_host_ids() == ["h2"]
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_Delete)
    assert doc.scenario.host_ids() == ["h1", "h3"]
    assert links_of_items(canvas) == [("h1", "h3")]
    assert scene.host_item("h2") is None
    doc.undo_stack.undo()
    assert doc.scenario.model_dump() == before
    assert [it.host_id for it in scene.host_items()] == ["h1", "h2", "h3"]
    assert links_of_items(canvas) == [("h1", "h2"), ("h2", "h3"), ("h1", "h3")]
    # The restored links are attached to the restored host and follow it.
    h2 = scene.host_item("h2")
    assert scene.link_item(0) in h2.links and scene.link_item(1) in h2.links
    drag(canvas, vp(canvas, 300, 0), vp(canvas, 300, 100))
    assert scene.link_item(0).line().p2().y() > 0


def test_rubber_band_selects(canvas):
    scene = canvas.scene
    drag(canvas, vp(canvas, -100, -60), vp(canvas, 100, 260))
    assert scene.selected_host_ids() == ["h1", "h3"]
    assert scene.selected_link_indices() == [2]
    assert canvas.document.undo_stack.count() == 0


def test_group_drag_moves_members_and_host_drag_joins_group(canvas):
    doc = canvas.document
    doc.add_group(Group(id="dc1", kind="datacenter", x=-100, y=-80, width=300, height=400),
                  members=["h1", "h3"])
    # Dragging h2 into the box makes it a member, in the same undo step as the move.
    drag(canvas, vp(canvas, 300, 0), vp(canvas, 100, 100))
    assert doc.host("h2").group == "dc1"
    count = doc.undo_stack.count()
    # Drag the box by its title band: hosts inside follow.
    drag(canvas, vp(canvas, -50, -70), vp(canvas, -10, -30))
    assert (doc.group("dc1").x, doc.group("dc1").y) == (-60, -40)
    assert (doc.host("h1").x, doc.host("h1").y) == (40, 40)
    assert (doc.host("h2").x, doc.host("h2").y) == (140, 140)
    assert doc.undo_stack.count() == count + 1
    # Dragging h1 out of the box takes it out of the group.
    drag(canvas, vp(canvas, 40, 40), vp(canvas, 500, 40))
    assert doc.host("h1").group is None


def test_copy_paste_and_duplicate(canvas):
    doc, scene = canvas.document, canvas.scene
    scene.select(host_ids=["h1", "h2"])
    data = scene.copy_selection()
    assert [h["id"] for h in data["hosts"]] == ["h1", "h2"]
    assert [(lk["a"], lk["b"]) for lk in data["links"]] == [("h1", "h2")]
    new = scene.paste(data)
    assert new == ["h4", "h5"]
    assert scene.selected_host_ids() == ["h4", "h5"]
    assert (doc.host("h4").x, doc.host("h4").y) == (40, 40)
    assert (doc.scenario.links[-1].a, doc.scenario.links[-1].b) == ("h4", "h5")
    assert scene.paste(data) == ["h6", "h7"]
    assert doc.host("h6").x == 80
    assert scene.duplicate_selection() == ["h8", "h9"]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.scenario.host_ids() == ["h1", "h2", "h3"]


def test_group_resize_grip(canvas):
    doc, scene = canvas.document, canvas.scene
    doc.add_group(Group(id="r1", kind="rack", x=400, y=-100, width=200, height=200))
    scene.select(group_ids=["r1"])
    drag(canvas, vp(canvas, 594, 94), vp(canvas, 694, 194))
    assert (doc.group("r1").width, doc.group("r1").height) == (300, 300)
    doc.undo_stack.undo()
    assert doc.group("r1").width == 200


def test_zoom_keys_and_wheel_and_fit(canvas):
    view = canvas.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() > 1.0
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() < 1.0
    view.fit()
    for item in canvas.scene.host_items():
        assert view.viewport().rect().contains(view.mapFromScene(item.pos()))


def test_item_state_api_and_model_change(canvas):
    doc, scene = canvas.document, canvas.scene
    item: HostItem = scene.host_item("h1")
    item.set_state("crashed")
    assert item.state == "crashed"
    item.set_clock_text("12:00.003")
    assert item.clock_text() == "12:00.003"
    item.set_clock_text(None)
    doc.set_host_fields(["h1"], "clock.drift_ppm", 20)
    assert item.clock_text() == "+20ppm"
    doc.set_link_fields([0], "latency.mean", "5ms")
    doc.set_link_fields([0], "loss", 0.05)
    assert scene.link_item(0).label_text() == "5ms · 5%"
    scene.link_item(0).set_cut(True)
    assert scene.link_item(0).is_cut
    doc.set_host_fields(["h2"], "id", "server")
    assert scene.host_item("server") is scene.link_item(0).target
    doc.undo_stack.undo()
    assert scene.host_item("h2") is scene.link_item(0).target


def test_wheel_zooms_and_middle_button_or_space_drag_pans(canvas):
    view = canvas.view
    viewport = view.viewport()
    pos = QPointF(400, 300)
    wheel = QWheelEvent(pos, view.mapToGlobal(pos.toPoint()).toPointF(), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, NO_MOD,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)
    assert view.zoom() > 1.0
    view.resetTransform()
    h, v = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    middle = Qt.MouseButton.MiddleButton
    QTest.mousePress(viewport, middle, NO_MOD, QPoint(400, 300))
    QTest.mouseMove(viewport, QPoint(350, 260))
    QTest.mouseRelease(viewport, middle, NO_MOD, QPoint(350, 260))
    assert (view.horizontalScrollBar().value(), view.verticalScrollBar().value()) == (h + 50,
                                                                                    v + 40)
    # Space + left drag pans too, without selecting or moving anything.
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(canvas, vp(canvas, 300, 0), vp(canvas, 260, 0))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert view.horizontalScrollBar().value() == h + 90
    assert canvas.document.undo_stack.count() == 0


def test_palette_link_button_drives_the_scene_link_tool(canvas):
    palette = Palette()
    palette.link_tool_toggled.connect(canvas.scene.set_link_tool)
    canvas.scene.link_tool_changed.connect(palette.set_link_tool)
    palette.link_button.click()
    assert canvas.scene.link_tool
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_Escape)
    assert not canvas.scene.link_tool and not palette.link_button.isChecked()


def test_render_shows_labels_and_bounds_cover_the_items(canvas):
    from PySide6.QtGui import QImage, QPainter

    scene = canvas.scene
    scene.set_view_zoom(0.1)
    assert not scene.labels_shown
    rect = scene.itemsBoundingRect()
    for item in scene.host_items():
        assert rect.contains(item.sceneBoundingRect())
    assert rect.width() < 1000
    image = QImage(400, 300, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    scene.render(painter, source=rect)
    painter.end()
    assert not scene.labels_shown


def test_labels_follow_links_moved_while_zoomed_out(canvas):
    doc, scene = canvas.document, canvas.scene
    doc.set_link_fields([0], "latency.mean", "5ms")
    scene.set_view_zoom(0.1)
    doc.move_hosts({"h2": (600, 300)})
    scene.set_view_zoom(1.0)
    label, line = scene.link_item(0).label, scene.link_item(0).line()
    assert label.isVisible()
    assert (label.pos() - line.center()).manhattanLength() <= 1
