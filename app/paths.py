"""Where things live on disk: bundled resources, the user's data folder, the default database."""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ImportDesk"


def project_root() -> Path:
    # A PyInstaller bundle unpacks next to sys._MEIPASS; from source it is the repository root.
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return project_root() / "resources"


def user_data_dir() -> Path:
    """The per-user data folder (IMPORTDESK_DATA_DIR overrides it, e.g. for tests and demos)."""
    override = os.environ.get("IMPORTDESK_DATA_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_dir as _udd

        path = Path(_udd(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    """IMPORTDESK_DATABASE_URL if set, else the embedded SQLite file in the user's data folder."""
    url = os.environ.get("IMPORTDESK_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{user_data_dir() / 'importdesk.db'}"


def demo_database_url() -> str:
    return f"sqlite:///{user_data_dir() / 'demo.db'}"
