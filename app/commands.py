"""Extra command-line commands contributed by capabilities (imports, exports…).

Each capability adds a ``register_<name>(subparsers)`` here and sets ``handler`` on its parser;
``handler(args) -> int`` runs without the UI.
"""
from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Called by app.cli.build_parser with the argparse sub-parsers."""
    from app.reports.cli import register_export

    register_export(sub)
