"""What an operator of the command line needs around the work itself: which code ran
(`dtsen --version`), a short output (`--quiet`: one line per stage, dbt's output reduced to
its progress, warnings and errors always in full) and the command's own log file beside the
quality results (runs.jsonl): code version, command line, timings per stage, exit status.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from dtsen.project import PROJECT_DIR

QUIET_VARIABLE = "DTSEN_QUIET"
WARN_VARIABLE = "DTSEN_WARN_EXIT_CODE"
LOG_NAME = "dtsen.log"
PROGRESS_EVERY_SECONDS = 60.0  # in quiet mode, dbt's progress at most once a minute
# What the exit status of a command means to a scheduler (docs/operations.md).
EXIT_MEANINGS = {0: "ok", 1: "block", 2: "refused before starting"}


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dtsen")
    except PackageNotFoundError:
        return "unknown (not installed)"


def code_version() -> str:
    """The git commit of the checkout the code runs from (`-dirty` with uncommitted changes),
    or `installed <version>` when the package does not run from a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if commit.returncode == 0 and commit.stdout.strip():
            changed = subprocess.run(
                ["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            return f"git {commit.stdout.strip()}" + ("-dirty" if changed.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return f"installed {package_version()}"


def version_text() -> str:
    return f"dtsen {package_version()} (code {code_version()})"


def env_flag(name: str) -> bool:
    """A yes/no environment variable: 1, true, yes, on (any case) mean yes."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Stage:
    code: int | None = None


class RunLog:
    """The command's log: <folder of the database>/quality/dtsen.log, appended, owner-only.
    Lines are kept in memory until the database's folder exists, so a command refused before
    it made anything leaves nothing behind; `say` prints to the terminal and logs."""

    def __init__(self, path: Path | None, command_line: list[str], quiet: bool):
        self.path, self.quiet = path, quiet
        self.out: TextIO = sys.stdout  # the real output: stages capture sys.stdout in quiet mode
        self.started = time.perf_counter()
        self.pending: list[str] = []
        self.stages: list[tuple[str, float]] = []
        self.outcome: str | None = None  # block, warn or ok, when the quality suites judged
        self.log(f"start {version_text()} pid {os.getpid()}: {shlex.join(command_line)}")

    def log(self, text: str) -> None:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.pending += [f"{stamp} {line}" for line in text.rstrip("\n").splitlines() or [""]]
        self._flush()

    def _flush(self) -> None:
        if self.path is None or not self.pending or not self.path.parent.parent.is_dir():
            return
        self.path.parent.mkdir(exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in self.pending))
        self.pending = []

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)
        self.log(text)

    @contextlib.contextmanager
    def stage(
        self, name: str, keep: Callable[[str], bool] | None = None, capture: bool = True
    ) -> Iterator[Stage]:
        """One stage of the command, timed. Quiet (and capture): what it prints goes to the log,
        and the terminal gets its first line (and every line `keep` chooses) with the time
        taken; a stage that prints its own summary through `say` is not captured. The stage
        sets `code` on what it is given when it ends with an exit code other than 0."""
        started = time.perf_counter()
        captured = io.StringIO()
        capture = capture and self.quiet
        stage = Stage()
        status = "failed"
        try:
            with contextlib.redirect_stdout(captured) if capture else contextlib.nullcontext():
                yield stage
            status = "done" if not stage.code else f"failed (exit code {stage.code})"
        finally:
            seconds = time.perf_counter() - started
            self.stages.append((name, seconds))
            lines = [line for line in captured.getvalue().splitlines() if line.strip()]
            if lines:
                self.log("\n".join(f"  {line}" for line in lines))
            if capture:
                first = f": {lines[0].strip()}" if lines else ""
                print(f"{name} {status} in {seconds:.1f} s{first}", file=self.out, flush=True)
                for line in lines[1:]:
                    if keep and keep(line):
                        print(line, file=self.out, flush=True)
            self.log(f"stage {name}: {status} in {seconds:.1f} s")

    def end(self, code: int) -> None:
        meaning = self.outcome or EXIT_MEANINGS.get(code, "failed")
        self.log(f"exit status {code} ({meaning}) in {time.perf_counter() - self.started:.1f} s")


class DbtProgress:
    """Reads dbt's JSON log lines (--log-format json) and prints, instead of a line per node,
    a progress line at most every PROGRESS_EVERY_SECONDS and one at the end; a warning or an
    error is printed in full as dbt wrote it, and so is any line that is not dbt's JSON."""

    def __init__(self, label: str, say: Callable[[str], None]):
        self.label, self.say = label, say
        self.started = self.last = time.perf_counter()
        self.done = self.total = 0
        self.statuses: dict[str, int] = {}
        self.summary = ""

    def line(self, text: str) -> None:
        try:
            event = json.loads(text)
            info, data = event["info"], event.get("data", {})
        except (ValueError, KeyError, TypeError):
            if text.strip():
                self.say(text.rstrip("\n"))
            return
        if info.get("level") in ("warn", "error"):
            self.say(info.get("msg", text).rstrip("\n"))
        name = info.get("name", "")
        if name.endswith("Result") and "index" in data:
            self.done = max(self.done, int(data["index"]))
            self.total = max(self.total, int(data.get("total") or data.get("num_models") or 0))
            status = str(data.get("status", "")).lower()
            self.statuses[status] = self.statuses.get(status, 0) + 1
        elif name == "StatsLine":
            self.summary = info.get("msg", "")
        now = time.perf_counter()
        if now - self.last >= PROGRESS_EVERY_SECONDS and self.total:
            self.last = now
            self.say(f"{self.label}: {self.done}/{self.total} nodes done ({now - self.started:.0f} s)")

    def final(self, code: int) -> str:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{self.label} finished with exit code {code} in {time.perf_counter() - self.started:.1f} s: "
            f"{self.done}/{self.total} nodes ({statuses or 'none ran'})"
        )
