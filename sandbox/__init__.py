"""DS Sandbox: build, run, watch and measure distributed systems."""

__version__ = "0.1.0"
