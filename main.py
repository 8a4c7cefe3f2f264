"""ImportDesk: start the desktop app or run a command (see app/cli.py for the commands)."""
import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
