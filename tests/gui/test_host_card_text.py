"""A host card's subtitle leaves whole parts out rather than cutting one."""

from PySide6.QtGui import QFontMetricsF

from sandbox.gui.canvas.items.common import pixel_font
from sandbox.gui.canvas.items.host import fit_parts


def test_a_subtitle_drops_whole_parts_from_the_end_before_eliding(qapp):
    fm = QFontMetricsF(pixel_font(11))
    parts = ["dsm_worker", "4 cores", "16 pages"]
    whole = fm.horizontalAdvance(" · ".join(parts))
    two = fm.horizontalAdvance(" · ".join(parts[:2]))
    assert fit_parts(parts, fm, whole) == "dsm_worker · 4 cores · 16 pages"
    assert fit_parts(parts, fm, whole - 1) == "dsm_worker · 4 cores"
    assert fit_parts(parts, fm, two - 1) == "dsm_worker"
    short = fit_parts(parts, fm, fm.horizontalAdvance("dsm_wor"))
    assert short.endswith("…") and short.startswith("dsm")
