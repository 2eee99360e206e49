"""The protocol page: a protocol state field (term, commit index, queue length) over time."""

from __future__ import annotations
