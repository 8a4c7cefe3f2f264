"""ImportDesk: start the desktop app or run a command (see app/cli.py for the commands)."""
import gc
import sys

# Start-up builds a few hundred thousand objects that live as long as the app (modules, classes,
# mappers); collecting while they are built only walks them again and again (~0.2 s). The app
# re-enables the collector once its first window is up (ui.app), a command at once (app.cli).
gc.disable()

from app.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
