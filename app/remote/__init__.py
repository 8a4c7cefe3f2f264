"""Talking to an ImportDesk application server: the wire format, the declared operations and the
desktop's client. Nothing here imports Qt, and nothing here knows a database URL."""
