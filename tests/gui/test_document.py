"""Tests of the editor document: undoable edits, order on undo, validation, dirty flag."""

from __future__ import annotations

import pytest

from sandbox.gui.document import Document, EditError
from sandbox.gui.edits import EDIT_METHODS, Edits
from sandbox.presets import default_preset
from sandbox.scenario import Host, Link, Scenario, load
from sandbox.scenario.model import CrashFault, Group, PartitionFault


def make_doc() -> Document:
    hosts = [Host(id=f"h{i}", x=i * 100.0) for i in range(1, 5)]
    links = [Link(a="h1", b="h2"), Link(a="h2", b="h3"), Link(a="h3", b="h4"),
             Link(a="h1", b="h3")]
    return Document(Scenario(hosts=hosts, links=links))


def dump(doc: Document) -> dict:
    return doc.scenario.model_dump()


def test_add_host_and_undo(qapp):
    doc = make_doc()
    added = []
    doc.host_added.connect(lambda i, h: added.append((i, h.id)))
    doc.add_host(Host(id=doc.new_host_id("machine")))
    assert added == [(4, "h5")]
    assert doc.scenario.host_ids()[-1] == "h5"
    doc.undo_stack.undo()
    assert "h5" not in doc.scenario.host_ids()
    doc.undo_stack.redo()
    assert doc.scenario.host_ids()[-1] == "h5"


def test_add_duplicate_id_refused(qapp):
    doc = make_doc()
    before = dump(doc)
    with pytest.raises(EditError, match="duplicate host id"):
        doc.add_host(Host(id="h1"))
    assert dump(doc) == before
    assert doc.undo_stack.count() == 0


def test_remove_host_removes_links_and_undo_restores_order(qapp):
    doc = make_doc()
    before = dump(doc)
    removed = []
    doc.link_removed.connect(lambda i, lk: removed.append((i, lk.a, lk.b)))
    doc.remove(host_ids=["h3"])
    assert doc.scenario.host_ids() == ["h1", "h2", "h4"]
    assert [(lk.a, lk.b) for lk in doc.scenario.links] == [("h1", "h2")]
    assert removed == [(3, "h1", "h3"), (2, "h3", "h4"), (1, "h2", "h3")]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert dump(doc) == before
    doc.undo_stack.redo()
    doc.undo_stack.undo()
    assert dump(doc) == before


def test_remove_mixed_selection_one_step(qapp):
    doc = make_doc()
    doc.add_group(Group(id="rack1"), members=["h1", "h2"])
    before = dump(doc)
    doc.remove(host_ids=["h2"], link_indices=[2], group_ids=["rack1"])
    assert doc.scenario.groups == []
    assert doc.host("h1").group is None
    doc.undo_stack.undo()
    assert dump(doc) == before


def test_remove_updates_references(qapp):
    doc = make_doc()
    doc.set_host_fields(["h1"], "behaviour", {"name": "rr_client", "params": {"server": "h2"}})
    doc.set_host_fields(["h4"], "behaviour", {"name": "heartbeat",
                                               "params": {"peers": ["h2", "h3"]}})
    doc.add_fault(CrashFault(host="h2", at=5))
    before = dump(doc)
    doc.remove(host_ids=["h2"])
    assert doc.host("h1").behaviour.name == "idle"
    assert doc.host("h4").behaviour.params["peers"] == ["h3"]
    assert doc.scenario.faults == []
    doc.undo_stack.undo()
    assert dump(doc) == before


def test_multi_host_field_edit_is_one_step(qapp):
    doc = make_doc()
    doc.set_host_fields(["h1", "h2", "h3"], "clock.drift_ppm", 50)
    assert [h.clock.drift_ppm for h in doc.scenario.hosts] == [50, 50, 50, 0]
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Edit 3 hosts"
    doc.undo_stack.undo()
    assert [h.clock.drift_ppm for h in doc.scenario.hosts] == [0, 0, 0, 0]


def test_invalid_value_refused_and_model_unchanged(qapp):
    doc = make_doc()
    before = dump(doc)
    with pytest.raises(EditError) as info:
        doc.set_host_fields(["h1", "h2"], "failures.crash_probability", 1.5)
    assert info.value.problems[0][0] == "failures.crash_probability"
    with pytest.raises(ValueError):
        doc.set_host_fields(["h1"], "group", "nowhere")
    with pytest.raises(EditError):
        doc.set_link_fields([0], "latency.dist", "bogus")
    with pytest.raises(EditError, match="memory.page_size"):
        doc.set_setting("memory.page_size", 0)
    assert dump(doc) == before
    assert doc.undo_stack.count() == 0


def test_set_setting_and_durations(qapp):
    doc = make_doc()
    changed = []
    doc.settings_changed.connect(changed.append)
    doc.set_setting("run.duration", "2s")
    assert doc.scenario.run.duration == 2_000_000_000
    doc.set_setting("title", "Hello")
    assert changed == ["run", "title"]
    doc.undo_stack.undo()
    assert doc.scenario.title == ""


def test_link_latency_subfield_from_none(qapp):
    doc = make_doc()
    doc.set_link_fields([0, 1], "latency.mean", "5ms")
    assert doc.scenario.links[0].latency.mean == 5_000_000
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.scenario.links[0].latency is None


def test_move_hosts_one_step_with_text(qapp):
    doc = make_doc()
    doc.move_hosts({"h1": (10, 20), "h2": (30, 40), "h3": (50, 60)})
    assert (doc.host("h2").x, doc.host("h2").y) == (30, 40)
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Move 3 hosts"
    doc.undo_stack.undo()
    assert doc.host("h2").x == 200


def test_rename_host_updates_references(qapp):
    doc = make_doc()
    doc.set_host_fields(["h1"], "behaviour", {"name": "rr_client", "params": {"server": "h2"}})
    doc.add_fault(CrashFault(host="h2", at=5))
    doc.set_host_fields(["h2"], "id", "server")
    assert doc.host("h1").behaviour.params["server"] == "server"
    assert [(lk.a, lk.b) for lk in doc.scenario.links][:2] == [("h1", "server"), ("server", "h3")]
    assert doc.scenario.faults[0].host == "server"
    with pytest.raises(EditError):
        doc.set_host_fields(["h1"], "id", "h3")
    doc.undo_stack.undo()
    assert doc.host("h1").behaviour.params["server"] == "h2"


def test_paste_and_duplicate_fresh_ids(qapp):
    doc = make_doc()
    new = doc.duplicate(["h1", "h2"])
    assert new == ["h5", "h6"]
    assert (doc.host("h5").x, doc.host("h5").y) == (140, 40)
    assert (doc.scenario.links[-1].a, doc.scenario.links[-1].b) == ("h5", "h6")
    doc.undo_stack.undo()
    assert doc.scenario.host_ids() == ["h1", "h2", "h3", "h4"]


def test_move_group_moves_members_and_drop_sets_group(qapp):
    doc = make_doc()
    doc.add_group(Group(id="dc1", kind="datacenter", x=0, y=0), members=["h1"])
    doc.move_hosts({"h2": (5, 5)}, groups={"h2": "dc1"})
    assert doc.host("h2").group == "dc1"
    doc.move_group("dc1", 100, 50)
    assert (doc.group("dc1").x, doc.host("h1").x, doc.host("h1").y) == (100, 200, 50)
    assert doc.host("h3").x == 300
    doc.undo_stack.undo()
    assert doc.host("h1").x == 100 and doc.host("h1").y == 0


def test_dirty_flag_and_reset(qapp, tmp_path):
    doc = make_doc()
    states = []
    doc.dirty_changed.connect(states.append)
    assert not doc.is_dirty
    doc.add_host(Host(id="x"))
    assert doc.is_dirty and states == [True]
    doc.mark_saved(tmp_path / "a.json")
    assert not doc.is_dirty and states == [True, False]
    assert doc.path == tmp_path / "a.json"
    doc.undo_stack.undo()
    assert doc.is_dirty
    resets = []
    doc.reset.connect(lambda: resets.append(1))
    doc.set_scenario(load(default_preset()))
    assert resets == [1] and not doc.is_dirty and doc.path is None
    assert doc.undo_stack.count() == 0


def test_edit_api_is_offered_by_the_document(qapp):
    doc = make_doc()
    assert isinstance(doc.edits, Edits)
    for name in EDIT_METHODS:
        assert getattr(doc, name) == getattr(doc.edits, name), name
        assert getattr(Document, name).__doc__


def test_field_paths_go_through_the_path_language(qapp):
    doc = make_doc()
    before = dump(doc)
    with pytest.raises(EditError) as info:
        doc.set_host_fields(["h1"], "clok.drift_ppm", 1)
    assert info.value.problems[0][0] == "clok.drift_ppm"
    assert "'clock'" in info.value.problems[0][1]
    with pytest.raises(EditError, match="no parameter 'server' in behaviour 'idle'"):
        doc.set_host_fields(["h1"], "behaviour.params.server", "h2")
    with pytest.raises(EditError, match="has no ids"):
        doc.set_setting("faults[0]", {})
    with pytest.raises(EditError, match="not a scenario setting"):
        doc.set_setting("hosts", [])
    assert dump(doc) == before and doc.undo_stack.count() == 0
    doc.set_host_fields(["h1"], "behaviour", {"name": "rr_client", "params": {"server": "h2"}})
    doc.set_host_fields(["h1"], "behaviour.params.server", "h3")
    assert doc.host("h1").behaviour.params["server"] == "h3"


def test_remove_host_shrinks_partitions_and_undo(qapp):
    doc = make_doc()
    doc.add_fault(PartitionFault(sides=[["h1", "h2"], ["h3"]], start=0))
    doc.add_fault(PartitionFault(sides=[["h2"], ["h4"]], start=0))
    before = dump(doc)
    doc.remove(host_ids=["h2"])
    assert [f.sides for f in doc.scenario.faults] == [[["h1"], ["h3"]]]
    doc.undo_stack.undo()
    assert dump(doc) == before


def test_rename_group_updates_members_and_children(qapp):
    doc = make_doc()
    doc.add_group(Group(id="dc1", kind="datacenter"), members=["h1"])
    doc.add_group(Group(id="rack1", parent="dc1"), members=["h2"])
    changed = []
    doc.group_changed.connect(lambda i, g: changed.append(g.id))
    doc.set_group_fields(["dc1"], "id", "dc9")
    assert changed == ["dc9", "rack1"]
    assert doc.group("rack1").parent == "dc9" and doc.host("h1").group == "dc9"
    assert doc.undo_stack.undoText() == "Rename group"
    doc.undo_stack.undo()
    assert doc.group("rack1").parent == "dc1" and doc.host("h1").group == "dc1"


def _edit_everything(doc: Document) -> None:
    """An edit of each kind: a move, host, link and group fields, settings, adds and removes."""
    doc.move_hosts({"h1": (500.0, 40.0)})
    doc.set_host_fields(["h2"], "cores", 8)
    doc.set_link_fields([0], "latency.mean", "7ms")
    doc.set_setting("title", "Edited")
    doc.set_setting("run.seed", 99)
    doc.add_host(Host(id=doc.new_host_id("machine"), x=1.0, y=2.0))
    doc.add_group(Group(id="rack1", kind="rack", x=0, y=0, width=300, height=200))
    doc.rename_host("h3", "db")
    doc.remove(host_ids=["h4"])


def test_the_scenario_given_is_never_changed_by_edits(qapp):
    given = make_doc().scenario.model_copy(deep=True)
    original = given.model_dump()
    doc = Document(given)
    _edit_everything(doc)
    assert dump(doc) != original
    assert given.model_dump() == original
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert dump(doc) == original


def test_set_scenario_copies_too(qapp):
    doc = make_doc()
    given = load(default_preset())
    original = given.model_dump()
    doc.set_scenario(given)
    first = given.hosts[0].id
    doc.move_hosts({first: (1234.0, 5678.0)})
    doc.set_setting("title", "Changed")
    assert given.model_dump() == original
    assert doc.scenario is not given and doc.scenario.host(first).x == 1234.0


def test_the_main_window_leaves_its_scenario_alone(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from sandbox.gui.main_window import MainWindow

    given = make_doc().scenario.model_copy(deep=True)
    original = given.model_dump()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(given, settings=settings, autosave_dir=tmp_path / "autosave")
    window._ask_save_changes = lambda: "discard"
    qtbot.addWidget(window)
    _edit_everything(window.document)
    window.load_scenario(given)
    window.document.set_host_fields(["h1"], "cores", 16)
    assert given.model_dump() == original
