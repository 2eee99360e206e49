"""The words of a form: translated field labels, unit suffixes, choice texts and "none" texts.

Field labels are translated at run time in the ``Field`` context, units in
the ``Unit`` context, Literal choices in the ``Choice`` context and the
forms' own words in the ``Inspector`` context (they were first written for
the inspector; the context stays so that translations keep matching).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


def tr(text: str, context: str = "Inspector") -> str:
    """Translate ``text`` in the forms' context (``Inspector`` unless told)."""
    return QCoreApplication.translate(context, text)


#: Field labels, translated at run time in the "Field" context (marked for lupdate here).
FIELD_LABELS = {
    "id": QT_TRANSLATE_NOOP("Field", "Id"),
    "label": QT_TRANSLATE_NOOP("Field", "Label"),
    "kind": QT_TRANSLATE_NOOP("Field", "Kind"),
    "x": QT_TRANSLATE_NOOP("Field", "X"),
    "y": QT_TRANSLATE_NOOP("Field", "Y"),
    "group": QT_TRANSLATE_NOOP("Field", "Group"),
    "parent": QT_TRANSLATE_NOOP("Field", "Parent group"),
    "cores": QT_TRANSLATE_NOOP("Field", "Cores"),
    "clock": QT_TRANSLATE_NOOP("Field", "Clock"),
    "failures": QT_TRANSLATE_NOOP("Field", "Failures"),
    "memory_pages": QT_TRANSLATE_NOOP("Field", "Memory pages"),
    "behaviour": QT_TRANSLATE_NOOP("Field", "Behaviour"),
    "offset": QT_TRANSLATE_NOOP("Field", "Offset"),
    "drift_ppm": QT_TRANSLATE_NOOP("Field", "Drift"),
    "resolution": QT_TRANSLATE_NOOP("Field", "Resolution"),
    "jitter": QT_TRANSLATE_NOOP("Field", "Jitter"),
    "crash_probability": QT_TRANSLATE_NOOP("Field", "Crash probability"),
    "crash_period": QT_TRANSLATE_NOOP("Field", "Crash period"),
    "mttf": QT_TRANSLATE_NOOP("Field", "MTTF"),
    "mttr": QT_TRANSLATE_NOOP("Field", "MTTR"),
    "state_on_crash": QT_TRANSLATE_NOOP("Field", "State on crash"),
    "crash_mode": QT_TRANSLATE_NOOP("Field", "Crash mode"),
    "timing_probability": QT_TRANSLATE_NOOP("Field", "Timing failure"),
    "timing_slowdown": QT_TRANSLATE_NOOP("Field", "Timing slowdown"),
    "send_omission": QT_TRANSLATE_NOOP("Field", "Send omission"),
    "receive_omission": QT_TRANSLATE_NOOP("Field", "Receive omission"),
    "byzantine_probability": QT_TRANSLATE_NOOP("Field", "Byzantine"),
    "byzantine_behaviour": QT_TRANSLATE_NOOP("Field", "Byzantine act"),
    "a": QT_TRANSLATE_NOOP("Field", "From"),
    "b": QT_TRANSLATE_NOOP("Field", "To"),
    "latency": QT_TRANSLATE_NOOP("Field", "Latency"),
    "dist": QT_TRANSLATE_NOOP("Field", "Distribution"),
    "mean": QT_TRANSLATE_NOOP("Field", "Mean"),
    "spread": QT_TRANSLATE_NOOP("Field", "Spread"),
    "shape": QT_TRANSLATE_NOOP("Field", "Shape"),
    "bandwidth": QT_TRANSLATE_NOOP("Field", "Bandwidth"),
    "loss": QT_TRANSLATE_NOOP("Field", "Loss"),
    "corruption": QT_TRANSLATE_NOOP("Field", "Corruption"),
    "duplication": QT_TRANSLATE_NOOP("Field", "Duplication"),
    "reordering": QT_TRANSLATE_NOOP("Field", "Reordering"),
    "directed": QT_TRANSLATE_NOOP("Field", "One way"),
    "width": QT_TRANSLATE_NOOP("Field", "Width"),
    "height": QT_TRANSLATE_NOOP("Field", "Height"),
    "title": QT_TRANSLATE_NOOP("Field", "Title"),
    "description": QT_TRANSLATE_NOOP("Field", "Description"),
    "model": QT_TRANSLATE_NOOP("Field", "Computational model"),
    "communication": QT_TRANSLATE_NOOP("Field", "Communication"),
    "synchrony": QT_TRANSLATE_NOOP("Field", "Synchrony"),
    "delivery_bound": QT_TRANSLATE_NOOP("Field", "Delivery bound"),
    "step_bound": QT_TRANSLATE_NOOP("Field", "Step bound"),
    "gst": QT_TRANSLATE_NOOP("Field", "GST"),
    "async_tail": QT_TRANSLATE_NOOP("Field", "Asynchronous tail"),
    "locality": QT_TRANSLATE_NOOP("Field", "Locality latencies"),
    "same_host": QT_TRANSLATE_NOOP("Field", "Same host"),
    "same_rack": QT_TRANSLATE_NOOP("Field", "Same rack"),
    "same_datacenter": QT_TRANSLATE_NOOP("Field", "Same data centre"),
    "same_region": QT_TRANSLATE_NOOP("Field", "Same region"),
    "cross_region": QT_TRANSLATE_NOOP("Field", "Cross region"),
    "memory": QT_TRANSLATE_NOOP("Field", "Memory"),
    "page_size": QT_TRANSLATE_NOOP("Field", "Page size"),
    "pages": QT_TRANSLATE_NOOP("Field", "Pages"),
    "placement": QT_TRANSLATE_NOOP("Field", "Placement"),
    "local_cost": QT_TRANSLATE_NOOP("Field", "Local access"),
    "remote_cost": QT_TRANSLATE_NOOP("Field", "Remote access"),
    "coherence": QT_TRANSLATE_NOOP("Field", "Coherence"),
    "bus_capacity": QT_TRANSLATE_NOOP("Field", "Bus capacity"),
    "timeout": QT_TRANSLATE_NOOP("Field", "Timeout"),
    "retries": QT_TRANSLATE_NOOP("Field", "Retries"),
    "workload": QT_TRANSLATE_NOOP("Field", "Workload"),
    "profile": QT_TRANSLATE_NOOP("Field", "Profile"),
    "base_rate": QT_TRANSLATE_NOOP("Field", "Base rate"),
    "peak_rate": QT_TRANSLATE_NOOP("Field", "Peak rate"),
    "period": QT_TRANSLATE_NOOP("Field", "Period"),
    "spike_at": QT_TRANSLATE_NOOP("Field", "Spike at"),
    "spike_length": QT_TRANSLATE_NOOP("Field", "Spike length"),
    "points": QT_TRANSLATE_NOOP("Field", "Points"),
    "run": QT_TRANSLATE_NOOP("Field", "Run"),
    "seed": QT_TRANSLATE_NOOP("Field", "Seed"),
    "duration": QT_TRANSLATE_NOOP("Field", "Duration"),
    "service_time": QT_TRANSLATE_NOOP("Field", "Service time"),
    "service_dist": QT_TRANSLATE_NOOP("Field", "Service times"),
    "queue_limit": QT_TRANSLATE_NOOP("Field", "Queue limit"),
    "server": QT_TRANSLATE_NOOP("Field", "Server"),
    "servers": QT_TRANSLATE_NOOP("Field", "Servers"),
    "interval": QT_TRANSLATE_NOOP("Field", "Interval"),
    "count": QT_TRANSLATE_NOOP("Field", "Count"),
    "size": QT_TRANSLATE_NOOP("Field", "Size"),
    "share": QT_TRANSLATE_NOOP("Field", "Share"),
    "peers": QT_TRANSLATE_NOOP("Field", "Peers"),
    "mode": QT_TRANSLATE_NOOP("Field", "Mode"),
    "retransmit": QT_TRANSLATE_NOOP("Field", "Retransmit after"),
    "pattern": QT_TRANSLATE_NOOP("Field", "Access pattern"),
    "operations": QT_TRANSLATE_NOOP("Field", "Operations"),
    "write_ratio": QT_TRANSLATE_NOOP("Field", "Write ratio"),
    "think_time": QT_TRANSLATE_NOOP("Field", "Think time"),
    "hot_fraction": QT_TRANSLATE_NOOP("Field", "Hot fraction"),
}

#: Units shown as spin box suffixes (translated in the "Unit" context).
UNIT_SUFFIXES = {
    "ppm": QT_TRANSLATE_NOOP("Unit", "ppm"),
    "x": QT_TRANSLATE_NOOP("Unit", "\u00d7"),
    "bit/s": QT_TRANSLATE_NOOP("Unit", "bit/s"),
    "req/s": QT_TRANSLATE_NOOP("Unit", "req/s"),
    "bytes": QT_TRANSLATE_NOOP("Unit", "bytes"),
}

#: The check box of an optional field says what None means for it.
NONE_TEXTS = {
    "latency": QT_TRANSLATE_NOOP("Inspector", "by locality"),
    "bandwidth": QT_TRANSLATE_NOOP("Inspector", "unlimited"),
    "mttf": QT_TRANSLATE_NOOP("Inspector", "use probability"),
    "mttr": QT_TRANSLATE_NOOP("Inspector", "never"),
}


def field_label(name: str) -> str:
    """The translated, human label of a field name (``drift_ppm`` -> ``Drift``)."""
    text = FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
    return QCoreApplication.translate("Field", text)


def choice_text(value: Any) -> str:
    """The translated text of a Literal choice (``fail_stop`` -> ``fail stop``)."""
    return QCoreApplication.translate("Choice", str(value).replace("_", " "))


def unit_suffix(unit: str) -> str:
    """The spin box suffix of a unit (``" ppm"``), translated; "" for a unit shown otherwise."""
    text = UNIT_SUFFIXES.get(unit)
    return " " + QCoreApplication.translate("Unit", text) if text else ""


def none_text(name: str) -> str:
    """The translated text of the "none" check box of an optional field (``unlimited``)."""
    text = NONE_TEXTS.get(name, QT_TRANSLATE_NOOP("Inspector", "none"))
    return QCoreApplication.translate("Inspector", text)
