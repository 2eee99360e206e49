"""The scenario model: what a user builds, saves, validates and runs (no Qt here)."""

from . import registry
from .behaviours import behaviour_summary, parse_params
from .io import (
    ScenarioError,
    dumps,
    json_schema,
    load,
    loads,
    migrate,
    save,
    scenario_from_dict,
    sha256,
)
from .model import (
    SCHEMA_VERSION,
    BehaviourSpec,
    ClockSpec,
    ComputationModel,
    FailureSpec,
    Fault,
    Group,
    Host,
    LatencySpec,
    Link,
    LocalityLatency,
    MemorySpec,
    RunSpec,
    Scenario,
    WorkloadSpec,
)
from .paths import (
    Location,
    ParsedPath,
    PathError,
    format_path,
    get_value,
    get_values,
    parse_path,
    resolve,
    set_value,
)
from .units import format_duration, parse_duration

__all__ = [
    "SCHEMA_VERSION", "BehaviourSpec", "ClockSpec", "ComputationModel",
    "FailureSpec", "Fault", "Group", "Host", "LatencySpec", "Link", "LocalityLatency",
    "MemorySpec", "RunSpec", "Scenario", "ScenarioError", "WorkloadSpec", "behaviour_summary",
    "dumps", "format_duration", "json_schema", "load", "loads", "migrate", "parse_duration",
    "parse_params", "registry", "save", "scenario_from_dict", "sha256",
]
# The path language (sandbox.scenario.paths): "this field of this object", by id.
__all__ += [
    "Location", "ParsedPath", "PathError", "format_path", "get_value", "get_values",
    "parse_path", "resolve", "set_value",
]
