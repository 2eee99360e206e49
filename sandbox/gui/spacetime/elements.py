"""What the static drawing of the space-time diagram is made of: messages, events, marks, highlight.

Each function draws one kind of element of a :class:`~.layout.Frame` with a
QPainter; :class:`~.painter.DiagramPainter` calls them in order.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF

from sandbox.trace.timeline import (
    END_DELIVER,
    END_DROP,
    END_NONE,
    FLAG_BYZ,
    FLAG_CORRUPTED,
    FLAG_DUP,
    FLAG_LATE,
    Timeline,
)

from .frame import Frame, Selection
from .layout import DiagramLayout
from .style import DiagramColours, crosses, heads, lines, make_pen, mix, points

__all__ = ["MARK_KINDS", "MARK_LIMIT", "NET_KINDS", "message_groups", "message_pens",
           "draw_mark", "paint_events", "paint_marks", "paint_marks_only", "paint_messages", "paint_selection"]

#: Above this many state events (crashes, suspicions, ...) in view they are not drawn one by one.
MARK_LIMIT = 5_000
#: Network events, drawn as a dashed line across all hosts.
NET_KINDS = ("partition", "heal", "link_cut", "link_heal")
#: Events drawn as a mark on their host's line.
MARK_KINDS = ("crash", "recover", "pause", "resume", "byzantine", "suspect", "unsuspect",
              "clock_adjust")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SpaceTimeView", text)


def message_pens(c: DiagramColours, dim: bool, crowd: float) -> dict[str, QPen]:
    """Pens of message lines. Long lines are drawn 1 px wide: Qt strokes wider
    translucent antialiased lines an order of magnitude slower. Dimmed lines
    are mixed with the background rather than made translucent."""
    def pen(col: QColor, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
            alpha: float = 1.0) -> QPen:
        q = mix(col, c.base, 0.3) if dim else QColor(col)
        a = alpha * (crowd if width == 1.0 else 1.0)
        if a < 1.0:
            q.setAlphaF(q.alphaF() * a)
        return make_pen(q, width, style)

    return {
        "normal": pen(c.message, alpha=0.9),
        "mem": pen(c.mem, alpha=0.8),
        "corrupted": pen(c.corrupted, 1.5),
        "byz": pen(c.byz, 1.5),
        "late": pen(c.late, 1.0, Qt.PenStyle.DashLine),
        "dup": pen(c.dup, 1.0, Qt.PenStyle.DashDotLine),
        "dropped": pen(c.drop, 1.0, Qt.PenStyle.DashLine, alpha=0.5),
        "open": pen(c.message, 1.0, Qt.PenStyle.DotLine, alpha=0.6),
        "cross": pen(c.drop, 2.0),
    }


def message_groups(tl: Timeline, lay: Frame) -> np.ndarray:
    """A style index per visible message (see the order in :func:`paint_messages`)."""
    msgs = lay.msgs
    flags = tl.msg_flags[msgs]
    ending = tl.msg_end_kind[msgs]
    mem = tl.channels.index("mem") if "mem" in tl.channels else -1
    group = np.zeros(len(msgs), dtype=np.int8)  # normal
    group[tl.msg_channel[msgs] == mem] = 1
    group[(flags & FLAG_DUP) != 0] = 5
    group[(flags & FLAG_LATE) != 0] = 4
    group[(flags & FLAG_CORRUPTED) != 0] = 2
    group[(flags & FLAG_BYZ) != 0] = 3
    group[ending == END_DROP] = 6
    group[ending == END_NONE] = 7
    return group


def paint_messages(p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                   dim: bool) -> None:
    """The messages in view, a style per kind, with arrow heads and crosses where lost."""
    if not len(lay.msgs):
        return
    # many messages per pixel of width: fainter lines, so that density shows
    crowd = min(1.0, max(0.25, 1.5 * lay.plot.width / len(lay.msgs)))
    pens = message_pens(c, dim, crowd)
    order = ("normal", "mem", "corrupted", "byz", "late", "dup", "dropped", "open")
    group = message_groups(tl, lay)
    with_heads = len(lay.msgs) <= 6000
    for g in (1, 0, 5, 4, 2, 3, 6, 7):
        sel = np.flatnonzero(group == g)
        if not len(sel):
            continue
        pen = pens[order[g]]
        p.setPen(pen)
        x0, y0, x1, y1 = lay.mx0[sel], lay.my0[sel], lay.mx1[sel], lay.my1[sel]
        p.drawLines(lines(x0, y0, x1, y1))
        if with_heads and g not in (6, 7):
            solid = QPen(pen)
            solid.setStyle(Qt.PenStyle.SolidLine)
            p.setPen(solid)
            k = lay.mend[sel]
            p.drawLines(heads(x0[k], y0[k], x1[k], y1[k]))
    # crosses where dropped messages were lost
    drop = np.flatnonzero((group == 6) & lay.mend)
    if len(drop):
        p.setPen(pens["cross"])
        p.drawLines(crosses(lay.mx1[drop], lay.my1[drop], 4.0))


def paint_events(p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                 dim: bool) -> None:
    """The events in view as dots, and the state marks (translucent when ``dim``)."""
    if not len(lay.pos):
        return
    codes = tl.kind_code[lay.i0:lay.i1]
    alpha = 0.3 if dim else 1.0

    def col(q: QColor, a: float = 1.0) -> QColor:
        out = QColor(q)
        out.setAlphaF(out.alphaF() * a * alpha)
        return out

    def dots(kind: str, colour: QColor, width: float,
             cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap, where: np.ndarray | None = None
             ) -> None:
        if kind not in tl.kinds:
            return
        sel = np.flatnonzero(codes == tl.kinds.index(kind)) if where is None else where
        if not len(sel):
            return
        pen = QPen(colour, width)
        pen.setCapStyle(cap)
        p.setPen(pen)
        p.drawPoints(points(lay.x[sel], lay.y[sel]))

    dots("app", col(c.faint), 4.0)
    dots("timer", col(c.faint), 4.0)
    if "mem" in tl.kinds:
        mem_sel = np.flatnonzero(codes == tl.kinds.index("mem"))
        if len(mem_sel):
            remote = np.isin(lay.pos[mem_sel], tl.mem_pos[tl.mem_remote])
            dots("mem", col(c.mem, 0.45), 3.5, Qt.PenCapStyle.SquareCap, mem_sel[~remote])
            dots("mem", col(c.mem), 4.5, Qt.PenCapStyle.SquareCap, mem_sel[remote])
    dots("send", col(c.message), 4.5)
    dots("duplicate", col(c.dup), 5.0)
    dots("deliver", col(c.text, 0.8), 5.0)
    dots("corrupt", col(c.corrupted), 5.0)
    paint_marks(p, c, lay, tl, np.arange(len(lay.pos)), lay.x, lay.y, alpha)


def paint_marks_only(p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                     layout: DiagramLayout) -> None:
    """In density mode: failures, suspicions and network events still drawn one by one."""
    codes = [tl.kinds.index(k) for k in MARK_KINDS + NET_KINDS if k in tl.kinds]
    pos = lay.i0 + np.flatnonzero(np.isin(tl.kind_code[lay.i0:lay.i1], codes))
    if not len(pos) or len(pos) > MARK_LIMIT:
        return
    x = lay.x_of_values(layout.axis_values(tl.t[pos]))
    hc = tl.host_code[pos]
    y = np.where(hc >= 0, lay.lane_y[np.maximum(hc, 0)], lay.plot.top)
    paint_marks(p, c, lay, tl, pos - lay.i0, x, y, 1.0, absolute=pos)


def paint_marks(p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                idx: np.ndarray, xs: np.ndarray, ys: np.ndarray, alpha: float,
                absolute: np.ndarray | None = None) -> None:
    """Crashes, recoveries, pauses, suspicions, clock steps, Byzantine turns, network events."""
    positions = lay.i0 + idx if absolute is None else absolute
    codes = tl.kind_code[positions]
    wanted = [tl.kinds.index(k) for k in MARK_KINDS + NET_KINDS if k in tl.kinds]
    sel = np.flatnonzero(np.isin(codes, wanted))
    if not len(sel):
        return
    if absolute is None:
        xs, ys = xs[idx], ys[idx]
    s = max(4.0, min(7.0, lay.lane_h * 0.22))
    small = QFont(p.font())
    small.setPointSizeF(max(6.5, small.pointSizeF() - 2))
    p.setFont(small)
    fm_h = p.fontMetrics().height()
    few = len(sel) <= 300

    def colour(q: QColor) -> QColor:
        out = QColor(q)
        out.setAlphaF(out.alphaF() * alpha)
        return out

    plot = lay.plot
    fm = p.fontMetrics()
    label_rows: list[float] = []  # the right end of the last network label on each row
    for j in sel.tolist():
        pos = int(positions[j])
        kind = tl.kinds[codes[j]]
        x, y = float(xs[j]), float(ys[j])
        d = tl.events[pos].data or {}
        draw_mark(p, c, kind, x, y, s, lane_h=lay.lane_h, top=plot.top, bottom=plot.bottom,
                  alpha=alpha)
        if kind == "suspect" and few and d.get("target") and lay.lane_h >= 24:
            p.setPen(colour(c.suspect))
            p.drawText(QPointF(x + s * 1.7, y - lay.lane_h * 0.46 + fm_h * 0.6), str(d["target"]))
        elif kind in NET_KINDS and few:
            bad = kind in ("partition", "link_cut")
            label = {"partition": _tr("partition"), "heal": _tr("heal"),
                     "link_cut": _tr("cut {0}"), "link_heal": _tr("heal {0}")}[kind]
            if "{0}" in label:
                label = label.format("–".join(d.get("link") or ()))
            # on the first row it does not overlap (events come in time order), at most 3
            left, right = x + 3, x + 3 + fm.horizontalAdvance(label)
            row = next((i for i, end in enumerate(label_rows) if left >= end + 4),
                       len(label_rows))
            if row >= 3:
                continue
            if row == len(label_rows):
                label_rows.append(right)
            else:
                label_rows[row] = right
            p.setPen(colour(c.crash if bad else c.recover))
            p.drawText(QPointF(left, plot.top + fm_h * (0.8 + row)), label)


def draw_fault_mark(p: QPainter, colour: QColor, x: float, y: float, half: float) -> None:
    """A scheduled fault at ``(x, y)``: a stroke across the lane (``half`` its half height)
    under a small head, in the colour of its kind. The legend draws the same."""
    p.setPen(QPen(colour, 1.6))
    p.drawLine(QLineF(x, y - half, x, y + half))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(colour))
    p.drawPolygon(QPolygonF([QPointF(x - 3.5, y - half - 4), QPointF(x + 3.5, y - half - 4),
                             QPointF(x, y - half + 1)]))
    p.setBrush(Qt.BrushStyle.NoBrush)


def draw_mark(p: QPainter, c: DiagramColours, kind: str, x: float, y: float, s: float, *,
              lane_h: float, top: float, bottom: float, alpha: float = 1.0) -> None:
    """The glyph of a state or network event of ``kind`` at ``(x, y)`` (``s``: its half size;
    a network event is a dashed line from ``top`` to ``bottom``). The legend draws the same."""
    def colour(q: QColor) -> QColor:
        out = QColor(q)
        out.setAlphaF(out.alphaF() * alpha)
        return out

    if kind == "crash":
        p.setPen(make_pen(colour(c.crash), 2.6, cap=Qt.PenCapStyle.RoundCap))
        p.drawLine(QLineF(x - s, y - s, x + s, y + s))
        p.drawLine(QLineF(x - s, y + s, x + s, y - s))
    elif kind == "recover":
        p.setPen(QPen(colour(c.recover), 2.2))
        p.setBrush(QBrush(colour(c.base)))
        p.drawEllipse(QPointF(x, y), s * 0.8, s * 0.8)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawLine(QLineF(x, y - s * 0.35, x, y + s * 0.35))
    elif kind in ("pause", "resume"):
        p.setPen(QPen(colour(c.pause), 2.2))
        if kind == "pause":
            p.drawLine(QLineF(x - 2, y - s, x - 2, y + s))
            p.drawLine(QLineF(x + 2, y - s, x + 2, y + s))
        else:
            p.setBrush(QBrush(colour(c.pause)))
            p.drawPolygon(QPolygonF([QPointF(x - s * 0.6, y - s * 0.8),
                                     QPointF(x + s * 0.8, y),
                                     QPointF(x - s * 0.6, y + s * 0.8)]))
            p.setBrush(Qt.BrushStyle.NoBrush)
    elif kind in ("suspect", "unsuspect"):
        q = colour(c.suspect if kind == "suspect" else c.faint)
        flag_top = y - lane_h * 0.46
        p.setPen(QPen(q, 1.4))
        p.drawLine(QLineF(x, y, x, flag_top))
        flag = QPolygonF([QPointF(x, flag_top), QPointF(x + s * 1.5, flag_top + s * 0.55),
                          QPointF(x, flag_top + s * 1.1)])
        p.setBrush(QBrush(q) if kind == "suspect" else Qt.BrushStyle.NoBrush)
        p.drawPolygon(flag)
        p.setBrush(Qt.BrushStyle.NoBrush)
    elif kind == "clock_adjust":
        q = colour(c.clock)
        p.setPen(QPen(q, 1.4))
        p.setBrush(QBrush(q))
        p.drawPolygon(QPolygonF([QPointF(x, y - s * 0.8), QPointF(x + s * 0.8, y),
                                 QPointF(x, y + s * 0.8), QPointF(x - s * 0.8, y)]))
        p.setBrush(Qt.BrushStyle.NoBrush)
    elif kind == "byzantine":
        q = colour(c.byz)
        p.setPen(QPen(q, 2.0))
        p.drawPolygon(QPolygonF([QPointF(x, y - s), QPointF(x + s, y),
                                 QPointF(x, y + s), QPointF(x - s, y)]))
    elif kind in NET_KINDS:
        bad = kind in ("partition", "link_cut")
        q = colour(c.crash if bad else c.recover)
        p.setPen(QPen(q, 1.2, Qt.PenStyle.DashLine))
        p.drawLine(QLineF(x, top, x, bottom))


def paint_selection(p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                    selection: Selection) -> None:
    """The selected event, and its causal past and future (events, messages, marks)."""
    sel = selection.seq
    past, future = selection.past, selection.future
    # messages on causal chains
    if len(lay.msgs):
        msgs = lay.msgs
        sp = tl.msg_send_pos[msgs].copy()
        dups = np.flatnonzero((tl.msg_flags[msgs] & FLAG_DUP) != 0)
        if len(dups):
            originals = np.array([tl.message_index(int(o)) for o in
                                  tl.msg_dup_of[msgs[dups]].tolist()], dtype=np.int64)
            ok = originals >= 0
            sp[dups[ok]] = tl.msg_send_pos[originals[ok]]
        ep = tl.msg_end_pos[msgs]
        delivered = tl.msg_end_kind[msgs] == END_DELIVER
        ep_safe = np.where(ep >= 0, ep, 0)
        in_past = delivered & past[sp] & (past[ep_safe] | (ep == sel))
        in_future = delivered & future[ep_safe] & (future[sp] | (sp == sel))
        for mask, colour in ((in_past, c.past), (in_future, c.future)):
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            p.setPen(make_pen(colour, 2.0))
            x0, y0, x1, y1 = lay.mx0[idx], lay.my0[idx], lay.mx1[idx], lay.my1[idx]
            p.drawLines(lines(x0, y0, x1, y1))
            k = lay.mend[idx]
            p.drawLines(heads(x0[k], y0[k], x1[k], y1[k], 8.0, 3.8))
    # events in the past and the future
    pos = lay.pos
    for mask, colour in ((past[pos], c.past), (future[pos], c.future)):
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        pen = QPen(colour, 6.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawPoints(points(lay.x[idx], lay.y[idx]))
    paint_marks(p, c, lay, tl, np.flatnonzero(past[pos] | future[pos]),
                      lay.x, lay.y, 1.0)
    # events that explain it (a broken guarantee's other side): a dashed ring each
    if selection.related:
        ring = QPen(c.select, 1.8, Qt.PenStyle.DashLine)
        p.setPen(ring)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in selection.related:
            k = int(np.searchsorted(pos, r))
            if k < len(pos) and pos[k] == r:
                p.drawEllipse(QPointF(float(lay.x[k]), float(lay.y[k])), 8.0, 8.0)
    j = int(np.searchsorted(pos, sel))
    if j < len(pos) and pos[j] == sel:
        x, y = float(lay.x[j]), float(lay.y[j])
        p.setPen(QPen(c.select, 2.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(x, y), 7.0, 7.0)
        p.setPen(make_pen(c.select, 7.0, cap=Qt.PenCapStyle.RoundCap))
        p.drawPoint(QPointF(x, y))
