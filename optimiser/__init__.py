"""Dispatch optimiser for zero-carbon industrial parks."""
__version__ = "0.1.0"
