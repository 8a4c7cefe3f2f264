"""ImportDesk: everything that holds without a screen (no Qt import anywhere under app/)."""

__version__ = "0.1.0"
