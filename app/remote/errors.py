"""Errors of the remote layer, raised on the server or on the desktop and shown to the user.

They are ``DomainError``s like every other refusal, so a screen shows them the same way."""
from __future__ import annotations

from app.errors import DomainError
from app.i18n import N_


class SessionExpired(DomainError):
    msgid = N_("Your session has ended. Sign in again to continue; nothing you typed is lost.")


class RoleNotHeld(DomainError):
    msgid = N_("You no longer hold the role {role}. Sign in again.")


class TooManyAttempts(DomainError):
    msgid = N_("Too many failed sign-ins from this computer. Wait {minutes} minutes and try again.")


class RequestRefused(DomainError):
    """The server refused the request itself (unknown operation, malformed or oversized body):
    a fault of the program, not of the user."""

    msgid = N_("The server refused the request: {reason}")


class ServerFault(DomainError):
    msgid = N_("The server could not complete the action (it has been logged). "
               "Nothing was saved; try again or tell the administrator.")


class ConnectionLost(DomainError):
    """The request never reached the server (no connection, or it dropped before the request was
    whole): nothing was done there."""

    msgid = N_("The server {server} cannot be reached ({reason}), so nothing was saved. "
               "Check the network and try again.")


class ReplyLost(ConnectionLost):
    """The request reached the server but its answer did not come back: the action may or may not
    have been done (a ConnectionLost too, for code that only asks whether the server answered)."""

    msgid = N_("The connection to the server {server} broke before it answered ({reason}). The "
               "action may have been saved: look before you do it again.")


class VersionMismatch(DomainError):
    msgid = N_("This desktop runs ImportDesk {client} but the server {server} runs {remote}. "
               "Install ImportDesk {remote} on this computer (or update the server).")


class UnknownServer(DomainError):
    """First connection to a server: the user compares the fingerprint with the administrator's
    before the desktop trusts it (as SSH asks)."""

    msgid = N_("First connection to {server}. Compare this certificate fingerprint with the one "
               "the server printed when it started: {fingerprint}")

    def __init__(self, server: str, identity) -> None:
        super().__init__(server=server, fingerprint=identity.fingerprint)
        self.identity = identity


class FingerprintMismatch(DomainError):
    msgid = N_("The server {server} presents another certificate ({got}) than the one this desktop "
               "trusts ({expected}). The connection may be intercepted: ask the administrator "
               "before you go on.")
