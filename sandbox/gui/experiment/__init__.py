"""The Experiment window: parameter sweeps of the open scenario, run in worker processes and
plotted beside the theory (Run > Experiment..., the inspector's "Sweep this field...")."""

from .controller import ExperimentController

__all__ = ["ExperimentController"]
