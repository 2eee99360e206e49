"""Tests of the memory map view: placement by colour, legend, tooltips, heat, document changes."""

from __future__ import annotations

import pytest

from sandbox.gui.document import Document
from sandbox.gui.memory_map import MemoryMapView, format_bytes, legend_entries
from sandbox.gui.theme import host_colour
from sandbox.scenario.model import Host, MemorySpec, Scenario


def scenario(pages=8, placement="blocked"):
    hosts = [Host(id="a", memory_pages=4), Host(id="b"), Host(id="c", memory_pages=4)]
    return Scenario(hosts=hosts, memory=MemorySpec(pages=pages, placement=placement))


@pytest.fixture
def view(qtbot):
    widget = MemoryMapView()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    widget.show()
    return widget


def test_pages_are_coloured_by_home_host(view):
    view.set_scenario(scenario())
    assert view.page_homes() == ["a"] * 4 + ["c"] * 4
    # Colours follow the host's index in the scenario (c is the third host).
    assert legend_entries(view) == [("a", host_colour(0).name()), ("c", host_colour(2).name())]
    image = view.grab().toImage()
    assert not image.isNull()


def test_tooltip_names_page_address_range_and_home(view):
    view.set_scenario(scenario())
    text = view.page_tooltip(5)
    assert "Page 5" in text
    assert "0x5000" in text and "0x5fff" in text
    assert "Home: c" in text


def test_cell_under_the_mouse(view):
    view.set_scenario(scenario())
    first = view.grid_rect.topLeft()
    assert view.cell_at(first) == 0
    assert view.cell_at(first - first) is None  # the top left corner is the header


def test_many_pages_are_grouped_in_cells(view):
    view.set_scenario(scenario(pages=100_000, placement="round_robin"))
    assert view.pages_per_cell > 1
    assert view.cell_count <= 4096
    assert "Pages 0" in view.cell_tooltip(0)


def test_heat_overlay(view):
    view.set_scenario(scenario())
    view.set_heat({2: 0.5, 3: 7.0})
    assert view.heat() == {2: 0.5, 3: 1.0}
    assert view.cell_heat(3) == 1.0
    view.set_heat(None)
    assert view.heat() == {}


def test_follows_the_document(view):
    doc = Document(scenario())
    view.set_document(doc)
    doc.set_setting("memory.placement", "round_robin")
    assert view.page_homes()[:4] == ["a", "c", "a", "c"]
    doc.set_host_fields(["b"], "memory_pages", 2)
    assert "b" in view.page_homes()
    doc.undo_stack.undo()
    assert "b" not in view.page_homes()


def test_format_bytes():
    assert format_bytes(512) == "512 B"
    assert format_bytes(4096) == "4 KiB"
    assert format_bytes(1536 * 1024) == "1.5 MiB"
