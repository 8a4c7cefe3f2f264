"""Capability screens: importing this package lets each register its windows and "New …" actions."""
