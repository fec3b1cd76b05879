"""Where the project is and how dbt is run on it: the bottom of the package.

Every module that needs the project folder, the default paths or a dbt subprocess takes them
from here; this module imports nothing of dtsen, so it can never be part of an import cycle.
The command line (dtsen.cli) sits on top and no library module imports it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LANDING = PROJECT_DIR / "landing"
DEFAULT_TRUTH = PROJECT_DIR / "truth"
DEFAULT_DB = PROJECT_DIR / "warehouse" / "dtsen.duckdb"
DEFAULT_ANALYST_DB = PROJECT_DIR / "warehouse" / "analyst.duckdb"
BENCHMARKS_DIR = PROJECT_DIR / "benchmarks"


def dbt_command(verb: str, artefacts: Path | None = None, suffix: str = "") -> list[str]:
    """`dbt <verb>` on the in-project profile and project. artefacts: dbt's target/ and logs/
    go to <artefacts>/target<suffix> and logs<suffix> instead of the project's, so several
    builds (tests, benchmarks) can run without sharing them."""
    command = [
        str(Path(sys.executable).with_name("dbt")),
        verb,
        "--profiles-dir",
        str(PROJECT_DIR),
        "--project-dir",
        str(PROJECT_DIR),
    ]
    if artefacts is not None:
        command += [
            "--target-path",
            str(artefacts / f"target{suffix}"),
            "--log-path",
            str(artefacts / f"logs{suffix}"),
        ]
    return command


def dbt_env(landing: Path, db: Path) -> dict[str, str]:
    """The environment the profile reads: which landing zone, which database."""
    return {**os.environ, "DTSEN_LANDING": str(landing.resolve()), "DTSEN_DB": str(db.resolve())}


def dbt_colour_env(terminal: bool) -> dict[str, str]:
    """dbt colours its output and its log file whether or not they are a terminal: colours
    only for a terminal and never with NO_COLOR set (no-color.org); the operator's own
    DBT_USE_COLORS / DBT_USE_COLORS_FILE win."""
    colours = "true" if terminal and not os.environ.get("NO_COLOR") else "false"
    wanted = {"DBT_USE_COLORS": colours, "DBT_USE_COLORS_FILE": "false"}
    return {name: value for name, value in wanted.items() if name not in os.environ}


def run_dbt(
    verb: str,
    landing: Path,
    db: Path,
    extra: list[str] | None = None,
    isolated: bool = False,
    capture: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run `dbt <verb>` against `landing`, writing `db`; isolated: artefacts beside the database.
    on_line: dbt's output (stdout and stderr) is handed to it line by line as it comes, with
    dbt's log in JSON (--log-format json, unless `extra` sets another format); dbt's log file
    stays in its usual format (--log-format-file debug, which would follow --log-format)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    command = dbt_command(verb, db.parent if isolated else None)
    terminal = not capture and on_line is None and sys.stdout.isatty()
    env = {**dbt_env(landing, db), **dbt_colour_env(terminal)}
    if on_line is None:
        return subprocess.run(
            [*command, *(extra or [])], env=env, cwd=PROJECT_DIR, capture_output=capture, text=True
        )
    command = [*command, "--log-format", "json", "--log-format-file", "debug", *(extra or [])]
    with subprocess.Popen(
        command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        for line in process.stdout:
            on_line(line)
    return subprocess.CompletedProcess(command, process.returncode, "", None)


def dbt_build(
    landing: Path,
    db: Path,
    extra: list[str] | None = None,
    isolated: bool = False,
    capture: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run `dbt build` against `landing`, writing `db`."""
    return run_dbt("build", landing, db, extra, isolated, capture, on_line)


class NoBenchmarks(RuntimeError):
    """The project's benchmarks/ folder is not there (an installed package without its checkout)."""


def load_benchmark(name: str) -> ModuleType:
    """The benchmark module benchmarks/<name>.py of this checkout. Benchmarks measure the
    project (its models, its results file), so they live beside their results rather than
    in the package, and the command line loads them from here."""
    path = BENCHMARKS_DIR / f"{name}.py"
    if not path.is_file():
        raise NoBenchmarks(
            f"{path} not found: the benchmarks run from a checkout of the project "
            f"(benchmarks/ beside dtsen/), and {PROJECT_DIR} is not one"
        )
    module_name = f"benchmarks.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before running it: dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
