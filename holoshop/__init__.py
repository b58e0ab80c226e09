"""The composition root: configuration, the command line, and wiring the packages together."""

__version__ = "0.1.0"
