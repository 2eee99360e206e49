"""The API of behaviours written by the user: a behaviour file imports only from here.

A behaviour file is a Python file that defines behaviours (protocols) and, if
it likes, guarantee checkers. It is loaded (run) only after consent
(``sandbox run --allow-code``, the GUI's consent dialog), by
:func:`sandbox.engine.user_code.load_files`; opening or validating a scenario
that names it only parses it.

A behaviour is a generator function ``fn(node, params)`` written against the
node API (:mod:`sandbox.engine.node`): ``node.send``, ``yield from
node.receive(...)``, ``yield from node.sleep(...)``, ``node.clock()``,
``node.rng``, ``node.report_state(...)`` and the rest. Mark it with
:func:`behaviour`::

    from sandbox.api import behaviour, Params, Field, StateField, Duration, MS

    class GossipParams(Params):              # a pydantic model: the inspector builds a form
        fanout: int = Field(2, ge=1, le=10, description="Peers told each round")
        round: Duration = Field(100 * MS, description="Time between rounds")

    @behaviour(params=GossipParams, title="My gossip", category="gossip",
               state=[StateField("infected", "Knows the rumour", kind="flag", badge=True)])
    def my_gossip(node, params):
        ...

    @behaviour                               # plain defaults: keyword-only arguments
    def pinger(node, *, interval: Duration = 100 * MS, count: int = 10):
        ...

With ``params=Model`` the function is called ``fn(node, params)`` with the
validated model; without it, the keyword-only arguments (each with a default
and, best, an annotation; ``Duration`` for a time in ns) become the model's
fields and the function is called ``fn(node, **values)``.

A guarantee checker is a :class:`Checker` subclass marked with
:func:`guarantee`; a behaviour names it in ``guarantees=[...]`` and it runs on
the traces of runs of that behaviour (``sandbox check``, the GUI's checks).

What user code gets, and what it does not:

- the node object is the node API only: there is no ``node.now`` (real time,
  which a real host cannot read; use ``node.clock()``), and no path to the
  simulation, the network or other hosts;
- randomness comes from ``node.rng`` (this host's stream, derived from the
  seed); the global ``random`` module and wall-clock time (``time.time``,
  ``datetime.now``, ...) break determinism and are reported as warnings when
  the file is loaded;
- an exception in a behaviour crashes its host at that moment (cause
  ``behaviour_error``) with the file and line in the event log; the run goes on;
- a behaviour that runs more than a budget of lines (5,000,000) or sends more
  than a budget of messages (100,000) between two yields is stopped the same
  way, with a message naming the host and the line.

Names offered here: :func:`behaviour`, :func:`guarantee`, :class:`Params`,
``Field`` (pydantic's), :class:`StateField`, :class:`Metric`, ``Duration`` (an
integer of ns), the constants :data:`US`, :data:`MS`, :data:`S` (ns in a
microsecond, millisecond, second), the layers :class:`Rpc`,
:class:`OrderedBroadcast`, :class:`HeartbeatDetector`, the :class:`Checker`
base class and ``QT_TRANSLATE_NOOP`` (marks text for translation).

Importing this module does not import Qt, nor the engine: the layers and
:class:`Checker` are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pydantic import Field

from sandbox.scenario.behaviours import Params
from sandbox.scenario.model import Duration
from sandbox.scenario.registry import QT_TRANSLATE_NOOP, Metric, StateField

if TYPE_CHECKING:
    from sandbox.engine.layers.broadcast import OrderedBroadcast
    from sandbox.engine.layers.detector import HeartbeatDetector
    from sandbox.engine.layers.rpc import Rpc
    from sandbox.trace.checks.base import Checker

__all__ = ["MS", "S", "US", "Checker", "Duration", "Field", "HeartbeatDetector", "Metric",
           "OrderedBroadcast", "Params", "QT_TRANSLATE_NOOP", "Rpc", "StateField", "behaviour",
           "guarantee"]

#: Nanoseconds in a microsecond, a millisecond, a second (simulated time is integer ns).
US = 1_000
MS = 1_000_000
S = 1_000_000_000

#: The attribute :func:`behaviour` sets on a function: the fields of its registry record.
BEHAVIOUR_MARK = "__sandbox_behaviour__"
#: The attribute :func:`guarantee` sets on a checker class.
GUARANTEE_MARK = "__sandbox_guarantee__"

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


@overload
def behaviour(fn: F, /) -> F: ...


@overload
def behaviour(fn: str | None = None, /, *, name: str | None = None,
              params: type[Params] | None = None, title: str | None = None,
              summary: str | None = None, category: str = "basic",
              state: Iterable[StateField] = (), metrics: Iterable[Metric] = (),
              guarantees: Iterable[str] = ()) -> Callable[[F], F]: ...


def behaviour(fn: Any = None, /, *, name: str | None = None, params: type[Params] | None = None,
              title: str | None = None, summary: str | None = None, category: str = "basic",
              state: Iterable[StateField] = (), metrics: Iterable[Metric] = (),
              guarantees: Iterable[str] = ()) -> Any:
    """Mark a generator function as a behaviour (bare ``@behaviour`` or with keywords).

    - ``name``: its name in scenarios (default: the function's name; a first string
      argument, ``@behaviour("gossip")``, does the same);
    - ``params``: a :class:`Params` subclass; without it the keyword-only arguments'
      defaults are the parameters;
    - ``title`` (default: the name), ``summary`` (default: the docstring's first line),
      ``category`` (one of the registry's categories: basic, requests, failure_detection,
      clocks, broadcast, gossip, replication, coordination, consensus, memory);
    - ``state``: the :class:`StateField` records of what it reports with
      ``node.report_state``; ``metrics``: :class:`Metric` records;
      ``guarantees``: the names of the checkers run on its traces.

    Nothing is registered when the decorator runs: the loader
    (:func:`sandbox.engine.user_code.load_files`) collects the marked functions.
    """
    if isinstance(fn, str):
        if name is not None:
            raise TypeError("behaviour: give the name once (a first argument or name=)")
        name, fn = fn, None

    def mark(f: F) -> F:
        if not callable(f):
            raise TypeError(f"@behaviour marks a function, not {type(f).__name__}")
        doc = (getattr(f, "__doc__", None) or "").strip().splitlines()
        n = name or f.__name__
        setattr(f, BEHAVIOUR_MARK, {
            "name": n,
            "params": params,
            "title": title or n,
            "summary": summary if summary is not None else (doc[0].strip() if doc else ""),
            "category": category,
            "state": tuple(state),
            "metrics": tuple(metrics),
            "guarantees": tuple(guarantees),
        })
        return f

    if fn is not None:
        return mark(fn)
    return mark


def guarantee(cls: C) -> C:
    """Mark a :class:`Checker` subclass as a guarantee checker of the file (registered when
    the file is loaded, under its ``name``, ``family.guarantee``)."""
    if not isinstance(cls, type):
        raise TypeError(f"@guarantee marks a Checker class, not {type(cls).__name__}")
    setattr(cls, GUARANTEE_MARK, True)
    return cls


_LAZY = {
    "Rpc": ("sandbox.engine.layers.rpc", "Rpc"),
    "OrderedBroadcast": ("sandbox.engine.layers.broadcast", "OrderedBroadcast"),
    "HeartbeatDetector": ("sandbox.engine.layers.detector", "HeartbeatDetector"),
    "Checker": ("sandbox.trace.checks.base", "Checker"),
}


def __getattr__(attr: str) -> Any:
    """The layers and the Checker base class, imported on first use."""
    try:
        module, name = _LAZY[attr]
    except KeyError:
        raise AttributeError(f"module 'sandbox.api' has no attribute {attr!r}") from None
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[attr] = value
    return value
