"""Remote operations of the quotes area (see app.remote.decl): the order window's Quotes tab and
its "Send quote…" command."""
from __future__ import annotations

from app.services import quote_decisions, quotes


def declare(add) -> None:
    add("quotes.panel", quotes.quotes_panel)
    add("quotes.send", quotes.send_quote)
    add("quotes.requote", quotes.requote)
    add("quotes.accepted", quote_decisions.record_acceptance)
    add("quotes.refused", quote_decisions.record_refusal)
    add("quotes.pdf", quotes.quote_pdf)
