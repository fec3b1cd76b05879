"""Checks `dtsen build` and `dtsen run` make before dbt starts, in well under a second.

Each finds a fault that would otherwise stop the build minutes later in a traceback (or,
for a missing landing folder, let it skip every model without saying why): the pseudonym
key, the landing folder, a lock on the working database held by another process, and the
free disk. `preflight` returns one line per fault; the command prints them and exits 2.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

DISK_VARIABLE = "DTSEN_DISK_NEEDED"

# Peak disk of a build (database, WAL, DuckDB's spill, Splink's scratch, dbt's target/ and
# logs/) against the size of its landing zone, measured: at 50 k persons (16 MB landing) a
# first build peaked at 8.1 (the database 5.4; target/ and logs/ weigh 1 in so small a
# build) and a rebuild over that database added 3.8 (the database grew from 5.4 to 7.3); 3.9
# at 2.84 M and 7.6 at 28.4 M persons (spill grows once data outgrows memory). So 8 times
# the landing zone, whether or not a database is already there.
DISK_PER_LANDING_BYTE = 8

_UNITS = {
    "": 1,
    "B": 1,
    "K": 2**10,
    "KB": 2**10,
    "M": 2**20,
    "MB": 2**20,
    "G": 2**30,
    "GB": 2**30,
    "T": 2**40,
    "TB": 2**40,
}


def dir_bytes(path: Path) -> int:
    """Bytes of the files under `path` (0 if missing)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def _gb(size: int) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size / 2**20:.1f} MB"


def check_key(db: Path, rotate: bool) -> str | None:
    """The pseudonym key's fault, if any, as one line: missing, weak, or not the key the
    working database's history was made with while no rotation is asked for."""
    from dtsen.pseudonym import PseudonymKeyError, preflight_key

    try:
        preflight_key(db, rotate)
    except PseudonymKeyError as fault:
        return " ".join(str(fault).split())
    return None


def rotation_asked(dbt_args: list[str]) -> bool:
    """Whether dbt's --vars (as `dtsen build` passes them on) ask for rotate_pseudonym_key."""
    import yaml

    from dtsen.pseudonym import rotation_asked as var_true

    for position, argument in enumerate(dbt_args):
        text = (
            argument.split("=", 1)[1]
            if argument.startswith("--vars=")
            else (dbt_args[position + 1] if argument == "--vars" and position + 1 < len(dbt_args) else None)
        )
        if text is None:
            continue
        try:
            values = yaml.safe_load(text)
        except yaml.YAMLError:
            continue  # dbt itself says what is wrong with them
        if isinstance(values, dict) and var_true(values.get("rotate_pseudonym_key")):
            return True
    return False


def check_landing(landing: Path, set_by: str) -> str | None:
    """A landing folder that is missing or not a folder. set_by: what chose this path, for
    the message (e.g. "--landing", or "the default; --landing DIR sets another")."""
    if landing.is_dir():
        return None
    what = "is not a folder" if landing.exists() else "does not exist"
    return f"landing folder {landing} {what} ({set_by})"


def _holder(message: str) -> str:
    """'process <pid> (<command line>)' of the lock holder DuckDB names in `message`."""
    found = re.search(r"held in (.*) \(PID (\d+)\)", message)
    if not found:
        return "another process"
    executable, pid = found.groups()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        command = command.decode(errors="replace").strip()
    except OSError:  # gone, or another user's process under hidepid
        command = ""
    command = command or executable
    if len(command) > 160:
        command = command[:157] + "..."
    return f"process {pid} ({command})"


def check_database_lock(db: Path) -> str | None:
    """The working database opened read-write as dbt opens it: a lock held by another
    process (or a file DuckDB cannot open) is one line naming the process."""
    if not db.is_file():
        return None
    import duckdb

    umask = os.umask(0o077)  # opening may replay and write the WAL: owner-only, as the build's
    try:
        duckdb.connect(str(db)).close()
    except duckdb.Error as error:
        message = " ".join(str(error).split())
        if "lock" in message.lower():
            return (
                f"working database {db} is in use by {_holder(message)}: wait for it to finish "
                "or stop it, then build again"
            )
        return f"working database {db} cannot be opened: {message}"
    finally:
        os.umask(umask)
    return None


def parse_size(text: str) -> int:
    """Bytes of '50GB', '512 MB', '1T', '1048576'; ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?)\s*", text.upper())
    if not found:
        raise ValueError(text)
    return int(float(found.group(1)) * _UNITS[found.group(2)])


def check_disk(landing: Path, db: Path) -> str | None:
    """Free space where the database is written below what a build of `landing` needs:
    DISK_PER_LANDING_BYTE times the landing zone; DTSEN_DISK_NEEDED (e.g. 50GB, 0 to skip)
    replaces the estimate."""
    folder = Path(db).resolve().parent
    while not folder.is_dir():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    override = os.environ.get(DISK_VARIABLE, "").strip()
    if override:
        try:
            needed = parse_size(override)
        except ValueError:
            return f"{DISK_VARIABLE}={override!r} is not a size (e.g. 50GB, or 0 to skip this check)"
        how = f"as {DISK_VARIABLE} says"
    else:
        landing_bytes = dir_bytes(landing)
        needed = DISK_PER_LANDING_BYTE * landing_bytes
        how = (
            f"about {DISK_PER_LANDING_BYTE} x the landing zone's {_gb(landing_bytes)}; "
            f"{DISK_VARIABLE}=SIZE replaces this estimate"
        )
    if free >= needed:
        return None
    return (
        f"{_gb(free)} free in {folder}, where the working database is written; "
        f"the build needs {_gb(needed)} ({how})"
    )


def preflight(landing: Path, db: Path, landing_set_by: str, dbt_args: list[str] | None = None) -> list[str]:
    """Every fault found, one line each; empty when dbt may start. Creates nothing.
    dbt_args: what goes on to dbt build (a key rotation is asked for there)."""
    landing, db = Path(landing).resolve(), Path(db).resolve()
    faults = [
        check_key(db, rotation_asked(dbt_args or [])),
        check_landing(landing, landing_set_by),
        check_database_lock(db),
    ]
    if landing.is_dir():
        faults.append(check_disk(landing, db))
    return [fault for fault in faults if fault]
