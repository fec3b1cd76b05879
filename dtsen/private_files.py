"""The working database is readable by its owner only: it holds raw NIKs and names.

A dbt-duckdb plugin (profiles.yml, `plugins`), so that every way of building gets it, a
scheduled `dbt build` as well as `dtsen build`: before DuckDB opens the database, the dbt
process's umask becomes 077, so the database, its WAL, the spill folder and Splink's
scratch folders are created 0600/0700 whatever the caller's umask, and what a build under
a looser umask left is made owner-only too.
"""

from __future__ import annotations

import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

PRIVATE_UMASK = 0o077
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def database_files(db: Path) -> list[Path]:
    """The database and what DuckDB and the build keep beside it: its WAL, spill folder
    (profiles.yml: `<db>.tmp`) and Splink's scratch folders (`<db>.<name>`)."""
    db = Path(db)
    if not db.parent.is_dir():
        return []
    return sorted(
        path for path in db.parent.iterdir() if path.name == db.name or path.name.startswith(f"{db.name}.")
    )


def make_private(path: Path) -> None:
    """chmod `path` owner-only: files 0600, folders 0700 with everything in them."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        return
    if not path.is_dir():
        path.chmod(PRIVATE_FILE)
        return
    path.chmod(PRIVATE_FOLDER)
    for folder, folders, files in os.walk(path):  # does not follow links to folders
        for name in folders + files:
            inside = os.path.join(folder, name)
            if not os.path.islink(inside):
                os.chmod(inside, PRIVATE_FOLDER if name in folders else PRIVATE_FILE)


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config) -> None:
        """Called by dbt-duckdb just before it connects to the database."""
        if creds.path not in (None, "", ":memory:") and not creds.path.startswith("md:"):
            paths = database_files(Path(creds.path))
            temp_directory = (creds.settings or {}).get("temp_directory")
            if temp_directory:
                paths.append(Path(temp_directory))
            for path in paths:
                make_private(path)
        os.umask(PRIVATE_UMASK)  # after the chmods: once it is set, nothing is left loose
