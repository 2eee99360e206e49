"""The messages of a timeline: each send paired with its delivery or drop, and an interval index
that answers "which messages are in flight at t" in O(classes * log n + answer).

:class:`MessageIndex` is the part of :class:`~sandbox.trace.timeline.Timeline`
that builds and queries these records; it reads the timeline's columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .event_store import BIT_LINK, BIT_PATH, TraceColumns
from .events import TraceEvent
from .records import MessageRecord

#: ``t_end`` of a message that has not ended when the trace ends.
NEVER = int(np.iinfo(np.int64).max)

#: Bits of :attr:`Timeline.msg_flags`.
FLAG_CORRUPTED = 1
FLAG_BYZ = 2
FLAG_LATE = 4
FLAG_DUP = 8

#: Values of :attr:`Timeline.msg_end_kind`.
END_NONE = 0
END_DELIVER = 1
END_DROP = 2



def _lookup(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``wanted`` are in the sorted ``keys``: (indices into wanted, indices into keys)."""
    if not len(keys) or not len(wanted):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    j = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = np.flatnonzero(keys[j] == wanted)
    return hit, j[hit]


class MessageIndex:
    """Message records and their interval index (a base of Timeline; uses its columns)."""

    # The timeline's columns and look-ups this part reads (set by Timeline).
    events: Sequence[TraceEvent]
    t: np.ndarray
    kind_code: np.ndarray
    host_code: np.ndarray
    peer_code: np.ndarray
    msg: np.ndarray

    def _code(self, kind: str) -> int:
        raise NotImplementedError

    def host_name(self, code: int) -> str:
        raise NotImplementedError

    def _build_messages(self, cols: TraceColumns) -> None:
        kc, msg, t = self.kind_code, self.msg, self.t
        c_send, c_dup = self._code("send"), self._code("duplicate")
        c_deliver, c_drop = self._code("deliver"), self._code("drop")
        has_msg = msg >= 0
        creators = np.flatnonzero(((kc == c_send) | (kc == c_dup)) & has_msg)
        cid = msg[creators]
        order = np.argsort(cid, kind="stable")
        cid_sorted = cid[order]
        m = len(creators)
        end_pos = np.full(m, -1, dtype=np.int64)
        enders = np.flatnonzero(((kc == c_deliver) | (kc == c_drop)) & has_msg)
        if m and len(enders):
            eid = msg[enders]
            j = np.minimum(np.searchsorted(cid_sorted, eid), m - 1)
            match = cid_sorted[j] == eid
            mi = order[j[match]]
            ep = enders[match]
            after = ep > creators[mi]
            mi, ep = mi[after], ep[after]
            first_mi, first = np.unique(mi, return_index=True)
            end_pos[first_mi] = ep[first]
        ended = end_pos >= 0
        safe_end = np.where(ended, end_pos, 0)
        #: Per message (in creation order): id, creator and end positions, hosts, times, end kind.
        self.msg_id: np.ndarray = cid
        self.msg_send_pos: np.ndarray = creators
        self.msg_end_pos: np.ndarray = end_pos
        self.msg_src: np.ndarray = self.host_code[creators]
        self.msg_dst: np.ndarray = self.peer_code[creators]
        self.msg_t_send: np.ndarray = t[creators]
        self.msg_t_end: np.ndarray = np.where(ended, t[safe_end], NEVER).astype(np.int64)
        self.msg_end_kind: np.ndarray = np.where(
            ended, np.where(kc[safe_end] == c_deliver, END_DELIVER, END_DROP), END_NONE
        ).astype(np.int8)
        flags = np.zeros(m, dtype=np.int8)
        flags[kc[creators] == c_dup] |= FLAG_DUP
        # message id -> message index
        self._id_sorted = cid_sorted
        self._id_order = order
        # corrupt events flag their message
        corrupts = np.flatnonzero((kc == self._code("corrupt")) & has_msg)
        if m and len(corrupts):
            flags[self._indices_of_ids(msg[corrupts])] |= FLAG_CORRUPTED
        # what the details of the creating and ending events say (read while building)
        bits, codes = cols.detail_bits, cols.detail_code
        flags |= (bits[creators] & (FLAG_BYZ | FLAG_LATE)).astype(np.int8)
        chan = np.maximum(codes[creators], 0).astype(np.int8)
        dup_of = np.full(m, -1, dtype=np.int64)
        ref_pos, ref_val = cols.ref_pos, cols.ref_val
        have, at = _lookup(ref_pos, creators)
        dup_of[have] = ref_val[at]
        ended_idx = np.flatnonzero(ended)
        ends = end_pos[ended_idx]
        flags[ended_idx] |= (bits[ends] & (FLAG_CORRUPTED | FLAG_LATE | FLAG_BYZ)).astype(np.int8)
        # drop reasons are numbered in the order of the messages they end
        local = codes[ends]
        given = local >= 0
        firsts = np.unique(local[given], return_index=True)
        seen = firsts[0][np.argsort(firsts[1], kind="stable")]
        reasons = [cols.reasons[int(c)] for c in seen.tolist()]
        remap = np.full(len(cols.reasons) + 1, -1, dtype=np.int16)
        remap[seen] = np.arange(len(seen), dtype=np.int16)
        reason = np.full(m, -1, dtype=np.int16)
        reason[ended_idx[given]] = remap[local[given]]
        have, at = _lookup(ref_pos, ends)
        dup_at = ended_idx[have]
        fresh = dup_of[dup_at] < 0
        dup_of[dup_at[fresh]] = ref_val[at[fresh]]
        flags[dup_at[fresh]] |= FLAG_DUP
        channels = list(cols.channels)
        # which records must read the details of their events (a path, a link)
        self._msg_details = ((bits[creators] & BIT_PATH) |
                             np.where(ended, bits[safe_end] & BIT_LINK, 0)).astype(np.uint8)
        #: Flags (``FLAG_*`` bits), channel codes (into ``channels``), drop reason codes
        #: (into ``drop_reasons``, -1 if none) and original ids of duplicates (-1), per message.
        self.msg_flags: np.ndarray = flags
        self.msg_channel: np.ndarray = chan
        self.channels: list[str] = channels
        self.msg_reason: np.ndarray = reason
        self.drop_reasons: list[str] = reasons
        self.msg_dup_of: np.ndarray = dup_of
        self._build_interval_index()

    def _indices_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Message indices of the message ids ``ids`` (ids not found are left out)."""
        m = len(self._id_sorted)
        if not m:
            return np.empty(0, dtype=np.int64)
        j = np.minimum(np.searchsorted(self._id_sorted, ids), m - 1)
        ok = self._id_sorted[j] == ids
        return self._id_order[j[ok]]

    def _build_interval_index(self) -> None:
        t0, t1 = self.msg_t_send, self.msg_t_end
        open_ = t1 == NEVER
        dur = np.where(open_, 0, t1 - t0)
        # class -1: zero duration; class k: duration in [2**k, 2**(k+1)); class 64: never ends
        cls = np.full(len(t0), -1, dtype=np.int16)
        pos = dur > 0
        if pos.any():
            cls[pos] = np.floor(np.log2(dur[pos].astype(np.float64))).astype(np.int16)
            # guard the float rounding at exact powers of two
            too_big = pos & (np.left_shift(np.int64(1), np.clip(cls, 0, 62).astype(np.int64)) > dur)
            cls[too_big] -= 1
            nxt = np.left_shift(np.int64(1), np.clip(cls + 1, 0, 62).astype(np.int64))
            cls[pos & (nxt <= dur)] += 1
        cls[open_] = 64
        self._classes: list[tuple[int, np.ndarray, np.ndarray]] = []
        for c in np.unique(cls).tolist():
            idx = np.flatnonzero(cls == c)
            self._classes.append((int(c), idx, t0[idx]))
        ended = np.flatnonzero(~open_)
        order = np.argsort(t1[ended], kind="stable")
        self._by_end_idx = ended[order]
        self._by_end_t = t1[self._by_end_idx]


    # -- messages ----------------------------------------------------------------------
    def _overlap(self, a: int, b: int, strict: bool) -> np.ndarray:
        """Messages with ``t_send <= b`` and ``t_end > a`` (strict) or ``>= a``."""
        parts = []
        t1 = self.msg_t_end
        for c, idx, starts in self._classes:
            if c == 64:  # never ends
                hi = int(np.searchsorted(starts, b, side="right"))
                if hi:
                    parts.append(idx[:hi])
                continue
            if c == -1:  # zero length: t_end == t_send
                lo = int(np.searchsorted(starts, a, side="right" if strict else "left"))
                hi = int(np.searchsorted(starts, b, side="right"))
                if hi > lo:
                    parts.append(idx[lo:hi])
                continue
            width = 1 << (c + 1)
            lo = int(np.searchsorted(starts, a - width, side="left"))
            hi = int(np.searchsorted(starts, b, side="right"))
            if hi <= lo:
                continue
            cand = idx[lo:hi]
            ends = t1[cand]
            keep = ends > a if strict else ends >= a
            parts.append(cand[keep])
        if not parts:
            return np.empty(0, dtype=np.int64)
        out = np.concatenate(parts)
        out.sort()
        return out

    def message_indices(self, t: int, linger: int = 0) -> np.ndarray:
        """Indices (into the ``msg_*`` arrays) of the messages in flight at ``t``, by creation.

        With ``linger > 0`` the messages that ended in ``(t - linger, t]`` are
        included too, so a view can show an arrival or a drop for a moment.
        """
        inflight = self._overlap(t, t, strict=True)
        if linger <= 0:
            return inflight
        lo = int(np.searchsorted(self._by_end_t, t - linger, side="right"))
        hi = int(np.searchsorted(self._by_end_t, t, side="right"))
        if hi <= lo:
            return inflight
        out = np.concatenate([inflight, self._by_end_idx[lo:hi]])
        out.sort()
        return out

    def messages_overlapping(self, t0: int, t1: int) -> np.ndarray:
        """Indices of the messages whose flight ``[t_send, t_end]`` meets ``[t0, t1]``."""
        return self._overlap(t0, t1, strict=False)

    def messages(self, t: int, linger: int = 0) -> list[MessageRecord]:
        """The messages in flight at ``t`` (``t_send <= t < t_end``) as records, by creation.

        ``linger`` adds the messages that ended in ``(t - linger, t]``.
        """
        return [self.message_record(i) for i in self.message_indices(t, linger).tolist()]

    def message_index(self, msg_id: int) -> int:
        """The index of the message with id ``msg_id`` in the ``msg_*`` arrays (-1 if none)."""
        found = self._indices_of_ids(np.array([msg_id], dtype=np.int64))
        return int(found[0]) if len(found) else -1

    def message_record(self, i: int) -> MessageRecord:
        """The record of the message at index ``i``."""
        send_pos = int(self.msg_send_pos[i])
        end_pos = int(self.msg_end_pos[i])
        flags = int(self.msg_flags[i])
        end_kind = int(self.msg_end_kind[i])
        byz: str | None = None
        path: tuple[str, ...] | None = None
        details = int(self._msg_details[i])
        if flags & FLAG_BYZ or details & BIT_PATH:
            d = self.events[send_pos].data or {}
            if flags & FLAG_BYZ:
                byz = d.get("byz")
            p = d.get("path")
            if isinstance(p, list):
                path = tuple(p)
        reason = link = None
        if end_pos >= 0:
            r = int(self.msg_reason[i])
            reason = self.drop_reasons[r] if r >= 0 else None
            if (flags & FLAG_BYZ and not byz) or details & BIT_LINK:
                de = self.events[end_pos].data or {}
                if flags & FLAG_BYZ and not byz:
                    byz = de.get("byz")
                lk = de.get("link")
                if isinstance(lk, list) and len(lk) == 2:
                    link = (lk[0], lk[1])
        if flags & FLAG_BYZ and not byz:
            byz = "byzantine"
        dup = int(self.msg_dup_of[i])
        return MessageRecord(
            msg=int(self.msg_id[i]),
            src=self.host_name(int(self.msg_src[i])),
            dst=self.host_name(int(self.msg_dst[i])),
            t_send=int(self.msg_t_send[i]),
            t_end=int(self.msg_t_end[i]) if end_pos >= 0 else None,
            end_kind=("deliver" if end_kind == END_DELIVER else "drop") if end_pos >= 0 else None,
            corrupted=bool(flags & FLAG_CORRUPTED),
            byz=byz,
            late=bool(flags & FLAG_LATE),
            dup_of=dup if dup >= 0 else None,
            reason=reason,
            link=link,
            channel=self.channels[int(self.msg_channel[i])],
            path=path,
            send_seq=send_pos,
            end_seq=end_pos if end_pos >= 0 else None,
        )

