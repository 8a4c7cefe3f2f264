"""Errors a user can act on: each carries a translatable message id and its parameters.

The message is translated when it is shown (``str(err)`` or ``err.message()``), so an error
raised in a worker thread still reads in the language of the person looking at it.
"""
from __future__ import annotations

from typing import Any

from app.i18n import N_, _


class DomainError(Exception):
    """Bad input or a refused action, with a message written for the user."""

    msgid: str = N_("The action could not be completed.")

    def __init__(self, msgid: str | None = None, **params: Any) -> None:
        self.msgid = msgid or type(self).msgid
        self.params = params
        super().__init__(self.msgid)

    def message(self) -> str:
        text = _(self.msgid)
        try:
            return text.format(**{k: _display(v) for k, v in self.params.items()})
        except (KeyError, IndexError, ValueError):
            return text

    def __str__(self) -> str:
        return self.message()


def _display(value: Any) -> Any:
    # Lazy import keeps this module importable before babel is needed.
    from app import i18n

    return i18n.display(value)


class PermissionDenied(DomainError):
    msgid = N_("Your role ({role}) may not do this: {what}.")


class NotFound(DomainError):
    msgid = N_("{what} was not found; it may have been deleted.")


class StaleEdit(DomainError):
    """Someone else saved the record after this desktop loaded it."""

    msgid = N_("{what} was changed by {who} at {when} after you opened it. "
               "Your changes were not saved; reload to see theirs, then apply yours again.")


class ValidationFailed(DomainError):
    """One or more fields are wrong; ``field_errors`` maps field name to a translated message."""

    msgid = N_("Please correct the highlighted fields.")

    def __init__(self, field_errors: dict[str, str], msgid: str | None = None, **params: Any) -> None:
        super().__init__(msgid, **params)
        self.field_errors = field_errors

    def message(self) -> str:
        head = super().message()
        if len(self.field_errors) == 1:
            return next(iter(self.field_errors.values()))
        return head + "\n" + "\n".join(f"• {m}" for m in self.field_errors.values())


class UnweighedParcels(DomainError):
    """Sealing a shipment some of whose parcels were never weighed: the user must confirm."""

    msgid = N_("{n} parcels in this shipment were never weighed ({codes}). Their customers cannot be "
               "billed by weight until they are. Seal it anyway?")


class TransitionRefused(DomainError):
    msgid = N_("“{action}” is not possible while the status is “{status}”.")


class DatabaseUnavailable(DomainError):
    """The database server (or the SQLite file) could not be reached: nothing was done."""

    msgid = N_("The database ({server}) cannot be reached, so nothing was done. Check that the "
               "server is running and that this computer's network reaches it, then try again.")
