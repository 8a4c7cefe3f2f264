"""Extra command-line commands contributed by capabilities (imports, exports…).

Each capability adds a ``register_<name>(subparsers)`` here and sets ``handler`` on its parser;
``handler(args) -> int`` runs without the UI.
"""
from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Called by app.cli.build_parser with the argparse sub-parsers."""
    register_notify(sub)
    return None


def register_notify(sub: Any) -> None:
    """``housekeeping`` (escalations, delay flags, feedback windows) and ``send-mail`` (the outbox)
    for a server without a desktop running, e.g. from cron."""
    house = sub.add_parser("housekeeping", help="escalate overdue tasks, refresh delay flags, "
                                                "complete orders whose feedback window closed")
    house.add_argument("--url")
    house.set_defaults(handler=_housekeeping)
    mail = sub.add_parser("send-mail", help="send the customer e-mails that are due")
    mail.add_argument("--url")
    mail.set_defaults(handler=_send_mail)


def _housekeeping(args: Any) -> int:
    from app.cli import database_url, open_database
    from app.services.housekeeping import run_housekeeping

    results = run_housekeeping(open_database(database_url(args)))
    for name, value in results.items():
        print(f"{name}: {value}")
    return 1 if any(isinstance(v, Exception) for v in results.values()) else 0


def _send_mail(args: Any) -> int:
    from app.cli import database_url, open_database
    from app.services.outbox import send_due

    report = send_due(open_database(database_url(args)))
    if not report.configured:
        print("no mail server configured (settings mail.smtp_host and mail.sender)")
    print(f"sent {report.sent}, retrying {report.retrying}, refused {report.failed}, "
          f"without e-mail {report.no_email}" + (f"; server error: {report.error}" if report.error else ""))
    return 0
