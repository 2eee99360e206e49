"""The words of the Help menu: the getting-started steps, the glossary and the canvas gestures.

Qt-free content, marked for translation: the texts are translated in the
``Help`` context when shown. A glossary term that is a field of the scenario
takes its definition from that field's description in
:mod:`sandbox.scenario.model` (translated in the ``FieldDescription``
context, as the forms' tooltips are), so the glossary and the tooltips say the
same thing; a sentence of the glossary's own may follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from ...scenario.model import ClockSpec, ComputationModel, FailureSpec, Link, MemorySpec
from ...scenario.registry import QT_TRANSLATE_NOOP

__all__ = ["GESTURES", "GLOSSARY", "STEPS", "Step", "Term", "field_description"]

#: The translation context of the texts here.
CONTEXT = "Help"
#: The translation context of the model's field descriptions (as the forms use).
FIELD_CONTEXT = "FieldDescription"


def field_description(model: type[BaseModel], name: str) -> str:
    """The description of the field ``name`` of ``model`` (KeyError if it has none)."""
    text = model.model_fields[name].description
    if not text:
        raise KeyError(f"{model.__name__}.{name} has no description")
    return text


@dataclass(frozen=True)
class Term:
    """A glossary entry: the term, what the model says of it (``field``, in the
    ``FieldDescription`` context; may be empty) and what the glossary adds (``text``)."""

    term: str
    text: str = ""
    field: str = ""
    #: Where the setting is, for the reader who wants to try it.
    where: str = ""


def _t(term: str, text: str = "", source: tuple[type[BaseModel], str] | None = None,
       where: str = "") -> Term:
    return Term(term, text, field_description(*source) if source else "", where)


_MODEL = QT_TRANSLATE_NOOP("Help", "Scenario \u203a Model")
_CLOCK = QT_TRANSLATE_NOOP("Help", "Inspector \u203a host \u203a Clock")
_FAILURES = QT_TRANSLATE_NOOP("Help", "Inspector \u203a host \u203a Failures")
_LINK = QT_TRANSLATE_NOOP("Help", "Inspector \u203a link")
_MEMORY = QT_TRANSLATE_NOOP("Help", "Scenario \u203a Memory")
_FAULTS = QT_TRANSLATE_NOOP("Help", "Faults panel, or right-click while watching a run")

#: The terms of the settings, in alphabetical order of the English terms.
GLOSSARY: tuple[Term, ...] = tuple(sorted((
    _t(QT_TRANSLATE_NOOP("Help", "GST"),
       QT_TRANSLATE_NOOP("Help", "In the partially synchronous model, the time after which the "
                                 "delivery and step bounds hold; before it, delays follow the "
                                 "asynchronous tail."),
       (ComputationModel, "gst"), _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Delivery bound"),
       QT_TRANSLATE_NOOP("Help", "No message takes longer than this in the synchronous model "
                                 "(and after GST in the partially synchronous one), so a timeout "
                                 "chosen from the bounds never suspects a host that is up."),
       (ComputationModel, "delivery_bound"), _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Step bound"),
       QT_TRANSLATE_NOOP("Help", "The longest a host takes to handle one event when bounds "
                                 "hold."),
       (ComputationModel, "step_bound"), _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Asynchronous tail"),
       QT_TRANSLATE_NOOP("Help", "In the asynchronous model a message's latency is multiplied "
                                 "by a heavy-tailed (Pareto) factor: most messages are on time, "
                                 "a few are very late. A timeout can then never tell a slow host "
                                 "from a crashed one."),
       (ComputationModel, "async_tail"), _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Synchrony"),
       QT_TRANSLATE_NOOP("Help", "Synchronous: known bounds on delivery and steps. Partially "
                                 "synchronous: the bounds hold only after GST. Asynchronous: no "
                                 "bounds at all."), None, _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Drift"),
       QT_TRANSLATE_NOOP("Help", "How fast a host's clock runs wrong, in parts per million "
                                 "(ppm): the accuracy of the clock. Clocks drift apart until a "
                                 "synchronisation algorithm pulls them together."),
       (ClockSpec, "drift_ppm"), _CLOCK),
    _t(QT_TRANSLATE_NOOP("Help", "Offset"),
       QT_TRANSLATE_NOOP("Help", "How far a clock is from real time at a moment; "
                                 "synchronisation makes the offsets small."),
       (ClockSpec, "offset"), _CLOCK),
    _t(QT_TRANSLATE_NOOP("Help", "Resolution"),
       QT_TRANSLATE_NOOP("Help", "A clock reads in steps of its resolution: two events closer "
                                 "than that may show the same time."),
       (ClockSpec, "resolution"), _CLOCK),
    _t(QT_TRANSLATE_NOOP("Help", "Jitter"),
       QT_TRANSLATE_NOOP("Help", "Noise on every reading of the clock."),
       (ClockSpec, "jitter"), _CLOCK),
    _t(QT_TRANSLATE_NOOP("Help", "Crash probability"),
       QT_TRANSLATE_NOOP("Help", "With n hosts, each with probability p, some host fails with "
                                 "probability 1-(1-p)^n: more hosts, more failures. A probability "
                                 "per year hardly shows in a run of seconds."),
       (FailureSpec, "crash_probability"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Crash period"),
       QT_TRANSLATE_NOOP("Help", "A year makes the crash probability an annual failure rate."),
       (FailureSpec, "crash_period"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "MTTF"),
       QT_TRANSLATE_NOOP("Help", "Mean time to failure: the average time a host runs before it "
                                 "crashes (crashes come at random, exponentially distributed)."),
       (FailureSpec, "mttf"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "MTTR"),
       QT_TRANSLATE_NOOP("Help", "Mean time to repair: how long a crashed host stays down on "
                                 "average. Availability is MTTF / (MTTF + MTTR)."),
       (FailureSpec, "mttr"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Fail-stop and fail-silent"),
       QT_TRANSLATE_NOOP("Help", "A fail-stop crash is detectable: the others are told. A "
                                 "fail-silent one is not: only a failure detector (timeouts) can "
                                 "suspect it."),
       (FailureSpec, "crash_mode"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Omission"),
       QT_TRANSLATE_NOOP("Help", "A message silently not sent (send omission) or not received "
                                 "(receive omission) although the host is up."),
       (FailureSpec, "send_omission"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Timing failure"),
       QT_TRANSLATE_NOOP("Help", "A message later than its time bound allows, by the timing "
                                 "slowdown; the space-time diagram marks it late."),
       (FailureSpec, "timing_probability"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Byzantine"),
       QT_TRANSLATE_NOOP("Help", "A malicious failure: the host corrupts payloads, tells "
                                 "different peers different things (equivocation), forges its "
                                 "clock or replays old messages. Only protocols built for it "
                                 "tolerate it."),
       (FailureSpec, "byzantine_probability"), _FAILURES),
    _t(QT_TRANSLATE_NOOP("Help", "Partition"),
       QT_TRANSLATE_NOOP("Help", "The network is cut between sets of hosts for a while (one way "
                                 "only if asked): each side runs on, unable to reach the "
                                 "other."), None, _FAULTS),
    _t(QT_TRANSLATE_NOOP("Help", "Loss, corruption, duplication"),
       QT_TRANSLATE_NOOP("Help", "The probability that a message on a link is dropped, arrives "
                                 "changed, or arrives twice."), None, _LINK),
    _t(QT_TRANSLATE_NOOP("Help", "Reordering"), "", (Link, "reordering"), _LINK),
    _t(QT_TRANSLATE_NOOP("Help", "Message passing"),
       QT_TRANSLATE_NOOP("Help", "Loosely coupled hosts, each with its own memory, exchange "
                                 "messages over links."), None, _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "Shared memory"),
       QT_TRANSLATE_NOOP("Help", "Tightly coupled: the processes of one multiprocessor host "
                                 "share one address space; every access costs the same, and "
                                 "many accesses at once wait for the memory bus."),
       (MemorySpec, "bus_capacity"), _MODEL),
    _t(QT_TRANSLATE_NOOP("Help", "DSM"),
       QT_TRANSLATE_NOOP("Help", "Distributed shared memory: each host gives pages to a global "
                                 "pool; the address map says which host is the home of each "
                                 "page. A local access is fast, a remote one is a real request "
                                 "and reply over the network."),
       (MemorySpec, "pages"), _MEMORY),
    _t(QT_TRANSLATE_NOOP("Help", "NUMA"),
       QT_TRANSLATE_NOOP("Help", "Non-uniform memory access: the cost of an access depends on "
                                 "where the page lives, local or remote (the local cost and the "
                                 "remote cost plus the network)."),
       (MemorySpec, "remote_cost"), _MEMORY),
    _t(QT_TRANSLATE_NOOP("Help", "Page size"),
       QT_TRANSLATE_NOOP("Help", "The bytes of one page of the address space: the unit that "
                                 "has a home host, and that moves or is copied."), None, _MEMORY),
    _t(QT_TRANSLATE_NOOP("Help", "Coherence"),
       QT_TRANSLATE_NOOP("Help", "How the DSM keeps copies consistent. Fixed home: a page never "
                                 "moves. Migrate on write: a remote write moves the page to the "
                                 "writer. Read replication: a remote read keeps a copy, and a "
                                 "write invalidates every copy (write-invalidate)."),
       None, _MEMORY),
    _t(QT_TRANSLATE_NOOP("Help", "Seed"),
       QT_TRANSLATE_NOOP("Help", "The number every random draw of a run comes from: the same "
                                 "scenario and seed give exactly the same run; another seed gives "
                                 "another run of the same system."),
       None, QT_TRANSLATE_NOOP("Help", "Scenario \u203a Run")),
    _t(QT_TRANSLATE_NOOP("Help", "Space-time diagram"),
       QT_TRANSLATE_NOOP("Help", "One line per host, time going right, an arrow per message: "
                                 "click an event to see its causal past and future."),
       None, QT_TRANSLATE_NOOP("Help", "the Space-time diagram panel of a run")),
), key=lambda t: t.term.lower()))


@dataclass(frozen=True)
class Step:
    """A getting-started step: its heading, its text, and the action id that does it (or "")."""

    heading: str
    text: str
    action: str = ""
    button: str = ""


#: The getting-started page: build, run, watch, inject a fault.
STEPS: tuple[Step, ...] = (
    Step(QT_TRANSLATE_NOOP("Help", "1. Build"),
         QT_TRANSLATE_NOOP("Help", "Drag hosts from the Palette onto the canvas, and link them: "
                                   "Shift+drag from one host to another, or pick Link in the "
                                   "palette. Select a host or link to set its clock, failures "
                                   "and behaviour in the Inspector; the Scenario panel holds the "
                                   "model (communication, synchrony). Or start from a preset."),
         "presets", QT_TRANSLATE_NOOP("Help", "Open a preset\u2026")),
    Step(QT_TRANSLATE_NOOP("Help", "2. Run"),
         QT_TRANSLATE_NOOP("Help", "Run \u203a Run (F5) computes the run for the seed and "
                                   "duration of the scenario. The same scenario and seed always "
                                   "give the same run."),
         "run", QT_TRANSLATE_NOOP("Help", "Run")),
    Step(QT_TRANSLATE_NOOP("Help", "3. Watch"),
         QT_TRANSLATE_NOOP("Help", "The player plays the run: messages move along the links, "
                                   "hosts change colour as they crash or are suspected. Space "
                                   "plays and pauses, comma and full stop (or Alt+Left and "
                                   "Alt+Right) step between events. The "
                                   "space-time diagram, the event log and the plots follow the "
                                   "same time cursor."),
         "play", QT_TRANSLATE_NOOP("Help", "Play")),
    Step(QT_TRANSLATE_NOOP("Help", "4. Inject a fault"),
         QT_TRANSLATE_NOOP("Help", "Pause where something should go wrong and right-click a "
                                   "host or a link: crash it, pause it, make it Byzantine, cut "
                                   "the link. The fault joins the scenario and the run is "
                                   "computed again from the start, so you see what it changed. "
                                   "Ctrl+Z takes it back."),
         "", ""),
    Step(QT_TRANSLATE_NOOP("Help", "5. Measure"),
         QT_TRANSLATE_NOOP("Help", "The plots show rates, latencies and clock skew; Run \u203a "
                                   "Experiment sweeps a parameter over many seeds. Save the "
                                   "scenario (Ctrl+S), or export the trace for ShiViz or "
                                   "Perfetto."),
         "", ""),
)

#: What the canvas does with the mouse and keys that no menu entry shows: (gesture, effect).
GESTURES: tuple[tuple[str, str], ...] = (
    (QT_TRANSLATE_NOOP("Help", "Shift+drag from a host to a host"),
     QT_TRANSLATE_NOOP("Help", "Link them")),
    (QT_TRANSLATE_NOOP("Help", "Drag on empty canvas"),
     QT_TRANSLATE_NOOP("Help", "Select with a rubber band (Ctrl adds)")),
    (QT_TRANSLATE_NOOP("Help", "Wheel"), QT_TRANSLATE_NOOP("Help", "Zoom about the pointer")),
    (QT_TRANSLATE_NOOP("Help", "Middle button drag, or Space+drag"),
     QT_TRANSLATE_NOOP("Help", "Pan")),
    (QT_TRANSLATE_NOOP("Help", "Double-click a host"),
     QT_TRANSLATE_NOOP("Help", "Edit it in the Inspector")),
    (QT_TRANSLATE_NOOP("Help", "Right-click while watching a run"),
     QT_TRANSLATE_NOOP("Help", "Inject a fault")),
    (QT_TRANSLATE_NOOP("Help", "Esc"),
     QT_TRANSLATE_NOOP("Help", "Cancel the gesture, leave the Link tool, clear the selection")),
    (QT_TRANSLATE_NOOP("Help", "Backspace"), QT_TRANSLATE_NOOP("Help", "Delete the selection")),
)
