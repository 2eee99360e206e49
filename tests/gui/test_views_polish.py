"""The views polished (issue 12): the space-time diagram's zoom, kept window, legend and export,
the event log following the cursor, the memory map's colours and heat scale, the theme switch,
the canvas fit and hit testing of thin links."""

from __future__ import annotations

import pytest
from conftest_playback import MS, preset_timeline, small_timeline
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from sandbox.gui.spacetime import SpaceTimeView
from sandbox.gui.spacetime.elements import MARK_KINDS, NET_KINDS, message_pens
from sandbox.gui.spacetime.legend import LEGEND_KEYS
from sandbox.gui.spacetime.style import DiagramColours
from sandbox.gui.theme import light_palette


@pytest.fixture
def view(qtbot):
    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.set_timeline(small_timeline())
    view.show()
    qtbot.waitExposed(view)
    return view


# -- the space-time diagram ----------------------------------------------------------------------

def test_zoom_in_with_follow_keeps_the_cursor_in_view(view):
    tl = view.timeline
    view.set_window(0, tl.end)
    t = tl.end // 5                                    # early in the run, far from the centre
    view.set_time(t)
    for _ in range(4):
        view.zoom_in_button.click()
        a0, a1 = view.window
        assert a0 <= t <= a1
    assert a1 - a0 == pytest.approx(tl.end / 16)
    view.set_follow(False)                             # not following: about the centre
    centre = sum(view.window) / 2
    view.zoom_out_button.click()
    assert sum(view.window) / 2 == pytest.approx(centre)


def test_zoom_in_brings_a_cursor_out_of_view_back(view):
    tl = view.timeline
    view.set_follow(False)
    view.set_window(0, tl.end / 10)
    view.set_time(tl.end // 2)                         # not following: out of view
    view.set_follow(True)                              # following again jumps to it
    view.set_window(0, tl.end / 10)
    view.zoom(2.0)
    a0, a1 = view.window
    assert a0 <= tl.end // 2 <= a1


def test_the_window_survives_a_new_run_of_the_same_hosts(view):
    tl = view.timeline
    view.set_window(10 * MS, 20 * MS)
    view.set_timeline(small_timeline())                # a recompute: same hosts
    assert view.window == (10 * MS, 20 * MS)
    view.set_timeline(tl, keep_window=False)           # asked not to: the whole run
    assert view.window[0] < 0 < tl.end < view.window[1]


def test_a_window_that_no_longer_fits_the_run_is_let_go(view):
    tl = view.timeline
    view.set_window(tl.end * 5, tl.end * 6)           # far beyond the run
    view.set_timeline(small_timeline())
    assert view.window[0] < 0 < tl.end < view.window[1]


def test_a_run_of_other_hosts_shows_the_whole_run(view):
    view.set_window(10 * MS, 20 * MS)
    other = preset_timeline("crash_heartbeat")
    view.set_timeline(other)
    assert view.window[0] < 0 < other.end < view.window[1]


def test_the_legend_names_every_mark_and_line_the_diagram_draws(view):
    keys = {e.key for e in view.legend_label.entries()}
    pens = message_pens(DiagramColours.of(light_palette()), False, 1.0)
    drawn = set(MARK_KINDS) | set(NET_KINDS) | set(pens)
    missing = {k for k in drawn if LEGEND_KEYS.get(k) not in keys}
    assert not missing
    # the crashed and paused periods, and the causal highlight
    assert {"crashed", "paused", "past", "future", "selected"} <= keys
    assert "fault" in keys  # the scheduled faults' marks (the Faults panel's)
    text = view.legend_label.text()
    for word in ("suspect", "unsuspect", "recover", "crash", "down"):
        assert word in text


def test_the_legend_wraps_into_rows_for_its_width(view):
    legend = view.legend_label
    assert legend.heightForWidth(300) > legend.heightForWidth(3000) > 0


def _pixels(path) -> bytes:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    return bytes(image.constBits())


def test_an_export_leaves_the_selection_out_unless_asked(view, tmp_path):
    plain = tmp_path / "plain.png"
    assert view.export_image(plain)
    view.select_event(4)
    without = tmp_path / "without.png"
    with_it = tmp_path / "with.png"
    assert view.export_image(without)
    assert view.export_image(with_it, with_selection=True)
    assert _pixels(without) == _pixels(plain)
    assert _pixels(with_it) != _pixels(plain)
    assert view.selected_event == 4                    # the view keeps its selection


def test_the_export_dialog_offers_to_keep_the_highlight_when_an_event_is_selected(view, tmp_path):
    from sandbox.gui.export_dialogs import export_spacetime

    offered: list[str] = []

    def ask(filter_name):
        def asker(_parent, _caption, _name, filters):
            offered.append(filters)
            return str(tmp_path / "d.png"), filter_name
        return asker

    plain = tmp_path / "plain.png"
    view.export_image(plain)
    assert export_spacetime(None, view, ask_path=ask("PNG image (*.png)")) is not None
    assert "highlighted" not in offered[-1]            # nothing selected: nothing to keep
    view.select_event(4)
    assert export_spacetime(None, view, ask_path=ask("PNG image (*.png)")) == tmp_path / "d.png"
    assert "highlighted" in offered[-1]
    assert _pixels(tmp_path / "d.png") == _pixels(plain)
    assert export_spacetime(None, view, ask_path=ask(
        "PNG image, the selected event highlighted (*.png)")) == tmp_path / "d.png"
    assert _pixels(tmp_path / "d.png") != _pixels(plain)


# -- the event log -------------------------------------------------------------------------------

@pytest.fixture
def log(qtbot):
    from sandbox.gui.event_log import EventLog

    log = EventLog()
    qtbot.addWidget(log)
    log.resize(900, 400)
    log.set_timeline(small_timeline())
    log.show()
    qtbot.waitExposed(log)
    return log


def test_paused_the_log_selects_the_event_at_the_cursor(log, qtbot):
    tl = log.timeline
    with qtbot.assertNotEmitted(log.event_activated):
        for seq in (3, 7, 10):                         # seeking or stepping to events
            log.set_time(int(tl.t[seq]))
            assert log.selected_event() == tl.index_at(int(tl.t[seq])) - 1
    last = log.selected_event()
    log.set_playing(True)                              # playing: it only scrolls
    log.set_time(int(tl.t[1]))
    assert log.selected_event() == last


def test_an_event_picked_among_those_at_the_same_time_is_kept(log):
    tl = log.timeline
    times = [int(x) for x in tl.t]
    same = next(i for i in range(len(times) - 1) if times[i] == times[i + 1])
    log.select_event(same)                             # the first of two at one instant
    log.set_time(times[same])                          # the player seeks there
    assert log.selected_event() == same


def test_an_empty_filter_result_says_so_and_clears(log, qtbot):
    assert not log.empty_label.isVisible()
    log.set_filter(text="no such thing at all")
    assert log.filter_hides_everything
    assert log.empty_label.isVisible() and log.clear_filter_button.isVisible()
    assert "No event matches the filter" in log.empty_label.text()
    qtbot.mouseClick(log.clear_filter_button, Qt.MouseButton.LeftButton)
    assert log.search_edit.text() == "" and len(log.model.rows) == len(log.timeline)
    assert not log.empty_label.isVisible()


# -- the theme switch ----------------------------------------------------------------------------

def _luminance(colour) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(a, b) -> float:
    """The WCAG contrast ratio of two colours (1 .. 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture
def themed(qapp):
    from sandbox.gui.theme import apply_theme, current_theme

    before = current_theme(qapp)
    palette = qapp.palette()
    yield lambda theme: apply_theme(qapp, theme)
    apply_theme(qapp, before)
    qapp.setPalette(palette)


def qtbot_palette_settled(qtbot, widget, theme):
    """Wait until ``widget`` has the new palette (it is handed down by posted events)."""
    from PySide6.QtGui import QPalette

    from sandbox.gui.theme import dark_palette, light_palette

    want = (dark_palette() if theme == "dark" else light_palette()).color(
        QPalette.ColorRole.Window)
    qtbot.waitUntil(lambda: widget.palette().color(QPalette.ColorRole.Window) == want)
    return want


def test_section_headers_stay_readable_when_the_theme_is_switched(qtbot, themed):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from sandbox.gui.forms.form import Section

    themed("light")
    page = QWidget()
    qtbot.addWidget(page)
    section = Section("Network", QLabel("body"))
    QVBoxLayout(page).addWidget(section)
    page.show()
    qtbot.waitExposed(page)
    for theme in ("dark", "light", "dark", "light"):   # switched at run time, and back
        themed(theme)
        window_colour = qtbot_palette_settled(qtbot, section, theme)
        text = section.button.palette().color(QPalette.ColorRole.ButtonText)
        assert contrast(text, window_colour) >= 4.5, theme
        # and drawn so: the header's darkest and lightest pixels are far apart
        image = section.grab(section.button.geometry()).toImage()
        light = [image.pixelColor(x, y).lightness() for x in range(image.width())
                 for y in range(image.height())]
        assert max(light) - min(light) > 120, theme


def test_the_whole_window_follows_a_theme_switch(qtbot, themed, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QToolButton

    from sandbox.gui.forms.form import Section
    from sandbox.gui.main_window import MainWindow
    from sandbox.presets import preset_path
    from sandbox.scenario.io import load

    themed("light")
    path = preset_path("dsm_numa")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(load(path), str(path), settings=settings, autosave_dir=tmp_path / "a")
    qtbot.addWidget(window)
    window.autosave_timer.stop()
    window.show()
    qtbot.waitExposed(window)
    window.scene.select(host_ids=["n0"])
    for theme in ("dark", "light"):
        window.set_theme(theme)
        qtbot_palette_settled(qtbot, window, theme)
        sections = window.findChildren(Section)
        assert sections
        for s in sections:
            text = s.button.palette().color(QPalette.ColorRole.ButtonText)
            assert contrast(text, s.palette().color(QPalette.ColorRole.Window)) >= 4.5
        for button in window.findChildren(QToolButton):
            if button.styleSheet():                    # styled widgets took the new palette
                assert button.palette().color(QPalette.ColorRole.ButtonText) == \
                    window.palette().color(QPalette.ColorRole.ButtonText)


# -- preset layouts: title fields ----------------------------------------------------------------

def test_the_title_field_shows_the_start_of_a_long_title(qtbot, document):
    from PySide6.QtWidgets import QLineEdit

    from sandbox.gui.settings_panel import ScenarioSettings

    title = "A very long title of a scenario that does not fit in its field at all, not even half"
    document.set_setting("title", title)
    panel = ScenarioSettings(document)
    qtbot.addWidget(panel)
    panel.resize(360, 600)
    panel.show()
    qtbot.waitExposed(panel)
    edit = next(e for e in panel.findChildren(QLineEdit) if e.text() == title)
    assert edit.cursorPosition() == 0
    document.set_setting("title", title + ", and longer")   # shown again after an edit
    edit = next(e for e in panel.findChildren(QLineEdit) if e.text().endswith("and longer"))
    assert edit.cursorPosition() == 0


# -- the memory map ------------------------------------------------------------------------------

def test_memory_map_cells_have_the_hosts_colours_of_the_diagram(qtbot):
    from sandbox.gui.memory_map import MemoryMapView
    from sandbox.gui.theme import host_colours
    from sandbox.presets import preset_path
    from sandbox.scenario.io import load

    scenario = load(preset_path("dsm_numa"))
    view = MemoryMapView()
    qtbot.addWidget(view)
    view.set_scenario(scenario)
    tl = preset_timeline("dsm_numa")
    diagram = host_colours(tl.hosts)                   # the chips by the diagram's host names
    for host, colour in view.host_colours().items():
        assert colour == diagram[host]
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    image = view.grab().toImage()
    grid = view.grid_rect
    cell = grid.width() // max(1, min(view.cell_count, grid.width()))
    first_home = view.page_homes()[0]
    assert image.pixelColor(grid.left() + 1, grid.top() + 1) == view.host_colours()[first_home]
    assert cell > 0


def test_memory_map_shows_a_heat_scale_with_the_heat(qtbot):
    from sandbox.gui.memory_map import MemoryMapView
    from sandbox.presets import preset_path
    from sandbox.scenario.io import load

    view = MemoryMapView()
    qtbot.addWidget(view)
    view.set_scenario(load(preset_path("dsm_numa")))
    view.resize(420, 320)
    view.show()
    qtbot.waitExposed(view)
    assert not view.heat_scale_shown and view.heat_scale_rect.isEmpty()
    view.set_heat({0: 1.0, 1: 0.2})
    assert view.heat_scale_shown
    bar = view.heat_scale_rect
    assert not bar.isEmpty() and view.rect().contains(bar)
    assert bar.top() > view.grid_rect.bottom()        # below the grid and its legend
    image = view.grab().toImage()
    cold = image.pixelColor(bar.left() + 1, bar.center().y())
    hot = image.pixelColor(bar.right() - 1, bar.center().y())
    assert hot.red() > cold.red() or hot.green() < cold.green()   # towards the heat colour
    # the hottest cell: the colour the scale ends with, framed by its home host's colour
    grid = view.grid_rect
    corner = image.pixelColor(grid.left() + 1, grid.top() + 1)
    assert corner == view.host_colours()[view.page_homes()[0]]
    assert view.heat_inset() > 0
    inset = view.heat_inset()
    centre = image.pixelColor(grid.left() + inset + 1, grid.top() + inset + 1)
    want = view.heat_colour(1.0)
    assert max(abs(centre.red() - want.red()), abs(centre.green() - want.green()),
               abs(centre.blue() - want.blue())) <= 1
    view.set_heat(None)
    assert not view.heat_scale_shown


# -- the canvas: fitting after a run, hitting thin links -----------------------------------------

def test_fit_if_needed_leaves_a_view_that_shows_every_host(canvas):
    view = canvas.view
    before = (view.zoom(), view.mapToScene(view.viewport().rect().center()))
    assert view.fit_if_needed() is False
    assert (view.zoom(), view.mapToScene(view.viewport().rect().center())) == before


def test_fit_if_needed_never_goes_below_a_readable_zoom(canvas):
    from sandbox.scenario import Host

    view = canvas.view
    for i in range(12):                                # a wide scenario: fitting it needs ~30 %
        canvas.document.add_host(Host(id=f"w{i}", x=300 + 250 * i, y=600))
    assert view.fit_if_needed() is True
    assert view.zoom() == pytest.approx(view.READABLE_ZOOM)
    centre = view.mapToScene(view.viewport().rect().center())
    items = canvas.scene.itemsBoundingRect()
    assert abs(centre.x() - items.center().x()) < 60   # centred on the scenario, to scroll
    view.fit()                                         # F still fits it all, however small
    assert view.zoom() < view.READABLE_ZOOM


def test_fit_if_needed_fits_when_that_is_readable(canvas):
    view = canvas.view
    view.centerOn(5000, 5000)                          # the hosts out of view
    assert view.fit_if_needed() is True
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(canvas.scene.itemsBoundingRect())
    assert view.zoom() >= view.READABLE_ZOOM


def test_a_thin_link_is_hit_a_few_pixels_off_it_whatever_the_zoom(canvas, qtbot):
    from PySide6.QtCore import QPointF

    from sandbox.gui.canvas.interactions import LINK_SLOP_PX, item_at
    from sandbox.gui.canvas.items import LinkItem

    view = canvas.view
    view.set_zoom(0.5)                                 # the link's band is 2.5 px each side
    view.centerOn(150, 0)
    off = QPointF(150, (LINK_SLOP_PX - 1.5) / 0.5)     # 4.5 px below the h1-h2 line
    assert item_at(canvas.scene, off, slop=0) is None  # the line's own shape misses it
    hit = item_at(canvas.scene, off)
    assert isinstance(hit, LinkItem) and {hit.link.a, hit.link.b} == {"h1", "h2"}
    far = QPointF(150, (LINK_SLOP_PX + 4) / 0.5)
    assert item_at(canvas.scene, far) is None          # beyond the slop: nothing
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(off))       # a real click selects it
    assert canvas.scene.selected_link_indices() == [0]


def test_a_click_on_a_link_label_picks_its_link(canvas):
    from sandbox.gui.canvas.interactions import item_at
    from sandbox.gui.canvas.items import LinkItem

    link = next(i for i in canvas.scene.link_items() if {i.link.a, i.link.b} == {"h1", "h3"})
    label = link.label
    if not label.isVisible():
        pytest.skip("links of the fixture carry no label")
    hit = item_at(canvas.scene, label.sceneBoundingRect().center())
    assert isinstance(hit, LinkItem) and hit is link


def test_zooming_the_diagram_in_gives_the_time_readout_more_decimals(view, qtbot):
    from sandbox.gui.player import Player, PlayerBar

    player = Player()
    player.set_timeline(view.timeline)
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    view.resolution_changed.connect(bar.set_time_resolution)
    view.set_window(0, view.timeline.end)
    wide = bar.time_decimals
    with qtbot.waitSignal(view.resolution_changed) as blocker:
        view.set_window(0, 50_000)                     # 50 µs over about 1000 pixels
    assert blocker.args[0] < 100
    assert bar.time_decimals > wide and bar.time_decimals >= 7
