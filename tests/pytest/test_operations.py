"""The command line for an operator, in real subprocesses: `dtsen --version` names the code,
every option's help its default and environment variable, the commands an operator types
show examples; generation reports its steps; the scheduling example (deploy/) runs its
crontab line through sh, and flock keeps a second start from running while the first holds
the lock. The quiet build, its log and the absence of colour codes are in test_cli.py,
beside the builds they check."""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dtsen.cli import HelpFormatter, build_parser
from dtsen.generate import generate
from dtsen.project import PROJECT_DIR

DTSEN = str(Path(sys.executable).with_name("dtsen"))
DEPLOY = PROJECT_DIR / "deploy"
LOCKED_EXIT = 75  # docs/operations.md


def _run(*command: str, env: dict[str, str] | None = None, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(command), capture_output=True, text=True, timeout=120, env=env or dict(os.environ), **options
    )


def _git(*args: str) -> str:
    return _run("git", "-C", str(PROJECT_DIR), *args).stdout.strip()


# ------------------------------------------------------------------ version


def test_version_names_the_package_and_the_commit():
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = "-dirty" if _git("status", "--porcelain", "--untracked-files=no") else ""
    for command in ([DTSEN], [sys.executable, "-m", "dtsen"]):
        result = _run(*command, "--version")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"dtsen 0.1.0 (code git {commit}{dirty})\n"


def test_version_outside_a_git_checkout_is_the_installed_one(tmp_path):
    # GIT_DIR pointing nowhere: git finds no repository, as for an installed package.
    result = _run(DTSEN, "--version", env={**os.environ, "GIT_DIR": str(tmp_path / "no-repository")})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "dtsen 0.1.0 (code installed 0.1.0)\n"


# ------------------------------------------------------------------ help


def _parsers(parser: argparse.ArgumentParser, name: str = "dtsen"):
    """Every (command name, parser) of the command line, sub-commands of sub-commands too."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, subparser in action.choices.items():
                yield from _parsers(subparser, f"{name} {command}")


def test_every_option_shows_its_default():
    missing = []
    for name, parser in _parsers(build_parser()):
        formatter = HelpFormatter(name)
        for action in parser._actions:
            if not action.option_strings or action.required or action.dest in ("help", "version"):
                continue
            if "default" not in formatter._get_help_string(action):
                missing.append(f"{name} {action.option_strings[-1]}")
    assert not missing


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["run"], ["(default: 100000)", "(env DTSEN_QUIET)", "(env DTSEN_WARN_EXIT_CODE)", "(default: on)"]),
        (["export", "verifikasi"], ["(default: all)", "(default: off)", "(env DTSEN_QUIET)"]),
        (["field-results"], ["(default: 0.8)", "(default: a month after the newest delivery"]),
        (["evaluate"], [f"(default: {PROJECT_DIR / 'truth'})"]),
        (["build"], [f"(default: {PROJECT_DIR / 'landing'})", "(env DTSEN_QUIET)"]),
        (["update"], [f"(default: {PROJECT_DIR / 'landing'})", "(env DTSEN_WARN_EXIT_CODE)"]),
        (["bench"], ["(default: 20261126)", "(default: 12GB)"]),
    ],
)
def test_help_shows_defaults_environment_and_examples(command, shown):
    # A wide terminal, so that no default is wrapped across lines.
    result = _run(DTSEN, *command, "--help", env={**os.environ, "COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    for text in shown:
        assert text in result.stdout
    examples = result.stdout.split("\nExamples:\n", 1)[1].splitlines()
    # each a command line (an environment setting may come first), or the rest of one
    assert examples and all(re.match(r"  ([A-Z_]+=\S+ )?dtsen |      ", line) for line in examples)
    assert any(f"dtsen {' '.join(command)} " in line for line in examples)


def test_top_level_help_lists_the_environment_and_exit_status():
    result = _run(DTSEN, "--help")
    assert result.returncode == 0
    for text in ("DTSEN_PSEUDONYM_KEY", "DTSEN_QUIET", "NO_COLOR", "Exit status: 0 ok", "dtsen.log"):
        assert text in result.stdout
    assert "--version" in result.stdout


def test_a_bad_warn_exit_code_in_the_environment_is_named():
    result = _run(
        DTSEN, "quality", "--db", "/nonexistent.duckdb", env={**os.environ, "DTSEN_WARN_EXIT_CODE": "x"}
    )
    assert result.returncode == 2
    assert "argument --warn-exit-code: invalid int value: 'x'" in result.stderr


# ------------------------------------------------------------------ generation progress


def test_generation_reports_each_step(tmp_path):
    lines: list[str] = []
    summary = generate(200, 7, tmp_path / "landing", tmp_path / "truth", progress=lines.append)
    steps = [re.match(r"generate 200 persons: (.+) in [\d.]+ s \(\d+ s in all\)$", line) for line in lines]
    assert all(steps), lines
    assert [step[1] for step in steps] == [
        "population: families",
        "population: persons",
        "population: identifiers",
        "population: names, education and work",
        "dukcapil files",
        "dtks files",
        "p3ke files",
        "bps files",
        "truth",
    ]
    assert set(summary["seconds"]) >= {step[1] for step in steps}


def test_quiet_generate_prints_one_line(tmp_path):
    result = _run(
        DTSEN, "generate", "--quiet", "--persons", "200",
        "--out", str(tmp_path / "landing"), "--truth", str(tmp_path / "truth"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("generate done in ") and ": generated 200 persons (seed 20261126)" in line


# ------------------------------------------------------------------ scheduling


def _crontab() -> tuple[dict[str, str], str]:
    """The settings and the one job of deploy/cron/dtsen.cron, as cron reads them."""
    settings, jobs = {}, []
    for line in (DEPLOY / "cron" / "dtsen.cron").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            name, value = line.split("=", 1)
            settings[name] = value
        else:
            jobs.append(line.split(None, 5))
    [job] = jobs
    assert len(job) == 6 and "deploy/dtsen-scheduled" in job[5]
    return settings, job[5]


def _scheduled_env(home: Path, settings: dict[str, str]) -> dict[str, str]:
    """The crontab's settings, with the checkout in `home` (deploy/ linked to this one) and
    the dtsen of this environment."""
    (home / "warehouse").mkdir(parents=True, exist_ok=True)
    if not (home / "deploy").exists():
        (home / "deploy").symlink_to(DEPLOY)
    return {
        **os.environ,
        **settings,
        "DTSEN_HOME": str(home),
        "DTSEN": DTSEN,
        "DTSEN_ENV_FILE": str(home / "environment"),
    }


def test_crontab_line_skips_at_once_while_a_run_holds_the_lock(tmp_path):
    settings, command = _crontab()
    env = _scheduled_env(tmp_path, settings)
    lock = tmp_path / "warehouse" / "dtsen.lock"
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a running job's flock
        started = time.perf_counter()
        result = _run(settings.get("SHELL", "/bin/sh"), "-c", command, env=env, cwd="/")
        seconds = time.perf_counter() - started
    assert result.returncode == LOCKED_EXIT, result.stdout + result.stderr
    assert seconds < 5
    # dtsen did not start: nothing in the job's output, no log of dtsen's
    assert (tmp_path / "warehouse" / "cron.log").read_text() == ""
    assert not (tmp_path / "warehouse" / "quality").exists()


def _children(pid: int) -> list[str]:
    """The program names of a process's children."""
    names = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            names.append(Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0].decode())
    except OSError:  # a child that ended meanwhile
        pass
    return [Path(name).name for name in names]


def test_scheduled_script_runs_dtsen_once_the_lock_is_free(tmp_path):
    settings, _ = _crontab()
    env = _scheduled_env(tmp_path, settings)
    # a first start holds the lock while it runs (a cheap command in dtsen's place)...
    first = subprocess.Popen(
        [str(DEPLOY / "dtsen-scheduled"), "30"],
        env={**env, "DTSEN": "sleep"},
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: flock and the command it holds the lock for
    )
    try:
        # the script execs flock, which starts its command once it holds the lock
        deadline = time.monotonic() + 30
        while "sleep" not in _children(first.pid):
            assert first.poll() is None and time.monotonic() < deadline, "the first start never took the lock"
            time.sleep(0.05)
        second = _run(str(DEPLOY / "dtsen-scheduled"), "--version", env=env)
        assert second.returncode == LOCKED_EXIT and second.stdout == ""
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the command keeps the lock after flock: end both
        first.wait()
    # ...and once it is gone, the next start runs dtsen
    third = _run(str(DEPLOY / "dtsen-scheduled"), "--version", env=env)
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("dtsen 0.1.0 (code ")


def test_scheduling_units_start_the_locking_script():
    service = (DEPLOY / "systemd" / "dtsen.service").read_text()
    [exec_start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert shlex.split(exec_start.removeprefix("ExecStart="))[0].endswith("/deploy/dtsen-scheduled")
    assert f"SuccessExitStatus={LOCKED_EXIT}" in service
    timer = (DEPLOY / "systemd" / "dtsen.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


def test_the_scheduled_job_is_update_never_the_synthetic_run():
    """`dtsen run` generates synthetic deliveries over the landing zone: a schedule must run
    `dtsen update` on what the agencies delivered (the script's default, cron and systemd)."""
    _, command = _crontab()
    assert shlex.split(command.split(">>")[0])[1:] == ["update"]
    service = (DEPLOY / "systemd" / "dtsen.service").read_text()
    [exec_start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert shlex.split(exec_start.removeprefix("ExecStart="))[1:] == ["update"]
    script = (DEPLOY / "dtsen-scheduled").read_text()
    assert "set -- update" in script and "set -- run" not in script


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as systemd reads them, with /opt/dtsen pointed at this checkout (verify
    checks that ExecStart= names an executable)."""
    for name in ("dtsen.service", "dtsen.timer"):
        unit = (DEPLOY / "systemd" / name).read_text().replace("/opt/dtsen", str(PROJECT_DIR))
        (tmp_path / name).write_text(unit)
    result = _run("systemd-analyze", "verify", str(tmp_path / "dtsen.service"), str(tmp_path / "dtsen.timer"))
    assert result.returncode == 0 and result.stderr == "", result.stderr
