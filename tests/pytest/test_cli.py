"""The `dtsen` command line as an operator runs it, in a real subprocess: dbt arguments pass
through `dtsen build`; the pre-flight refuses, on one line each and before dbt starts, a
missing key, a missing landing folder, a database another process holds and too little
disk; the working database, its WAL and spill folder are owner-only whatever the umask,
for `dtsen build` and for a scheduled `dbt build` alike."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from deliveries import write_sample_landing

from dtsen.preflight import DISK_PER_LANDING_BYTE, DISK_VARIABLE, check_disk, dir_bytes, parse_size, preflight
from dtsen.project import PROJECT_DIR, dbt_command, dbt_env
from dtsen.pseudonym import KEY_VARIABLE

DTSEN = str(Path(sys.executable).with_name("dtsen"))
SMALL = "+stg_dukcapil__penduduk"  # the landing intake, the seeds it reads, one source
ONLY_ITS_TESTS = ["--indirect-selection", "cautious"]  # not the tests that span sources


def _env(**changes: str | None) -> dict[str, str]:
    env = {**os.environ, KEY_VARIABLE: secrets.token_hex(32)}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _dtsen(*args: str, env: dict[str, str] | None = None, umask: int = -1) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DTSEN, *args], env=env or _env(), capture_output=True, text=True, umask=umask, timeout=600
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _dbt_umasks(pid: int) -> set[str]:
    """The umask of every dbt process among `pid` and its descendants: dtsen build's dbt, or
    dbt itself (not dtsen, whose pre-flight opens the database too)."""
    umasks = set()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return umasks
    if any(arg.endswith(b"/dbt") for arg in command):
        umasks |= {line.split()[1] for line in status.splitlines() if line.startswith("Umask")}
    for child in children:
        umasks |= _dbt_umasks(int(child))
    return umasks


class Watch:
    """While a process runs: dbt's umask (from /proc), and the modes the database's WAL and
    spill folder have whenever they exist once that umask is 077 (before, they may be a
    previous build's, not yet made owner-only), every few milliseconds."""

    def __init__(self, process: subprocess.Popen, db: Path):
        self.process, self.db = process, db
        self.umasks: set[str] = set()
        self.modes: dict[str, set[int]] = {"wal": set(), "tmp": set()}
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        while self.process.poll() is None:
            umasks = _dbt_umasks(self.process.pid)
            self.umasks |= umasks
            for kind in self.modes if "0077" in umasks else ():
                with contextlib.suppress(OSError):
                    self.modes[kind].add(_mode(Path(f"{self.db}.{kind}")))
            time.sleep(0.005)

    def result(self, timeout: float = 600) -> tuple[int, str]:
        output, _ = self.process.communicate(timeout=timeout)
        self.thread.join()
        return self.process.returncode, output


def _watched(command: list[str], env: dict[str, str], db: Path) -> tuple[Watch, int, str]:
    process = subprocess.Popen(
        command,
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        umask=0o022,
    )
    watch = Watch(process, db)
    code, output = watch.result()
    return watch, code, output


def _loose_leftovers(db: Path) -> None:
    """A database, and a spill folder with a file, left 0644/0755 by a build under umask 022."""
    duckdb.connect(str(db)).close()
    db.chmod(0o644)
    spill = Path(f"{db}.tmp")
    spill.mkdir(mode=0o755)
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 512)
    (spill / "duckdb_temp_storage-0.tmp").chmod(0o644)
    spill.chmod(0o755)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "landing"
    write_sample_landing(root)
    return root


@pytest.fixture(scope="module")
def cli_build(landing, tmp_path_factory):
    """`dtsen build` with dbt's arguments before and after its own, under umask 022, over a
    database and spill folder left 0644/0755: (watch, exit code, output, folder)."""
    work = tmp_path_factory.mktemp("cli-build")
    db = work / "warehouse.duckdb"
    _loose_leftovers(db)
    command = [
        DTSEN,
        "build",
        "--select",
        SMALL,
        *ONLY_ITS_TESTS,
        "--vars",
        "{retrain_matcher: true}",
        "--landing",
        str(landing),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--db",
        str(db),
    ]
    watch, code, output = _watched(command, _env(), db)
    return watch, code, output, work


def _run_results(target: Path) -> dict:
    return json.loads((target / "run_results.json").read_text())


# ------------------------------------------------------------------ dbt arguments (defect 8)


def test_build_passes_dbt_arguments_before_and_after_its_own(cli_build):
    _, code, output, work = cli_build
    assert code == 0, output[-3000:]
    results = _run_results(work / "target")
    assert results["args"]["vars"] == {"retrain_matcher": True}
    assert results["args"]["select"] == [SMALL]
    ran = {result["unique_id"] for result in results["results"]}
    assert "model.dtsen.stg_dukcapil__penduduk" in ran
    assert not [node for node in ran if ".stg_dtks__" in node or ".mart_" in node]
    assert all(result["status"] in ("success", "pass") for result in results["results"])


def test_build_accepts_a_separator_before_the_dbt_arguments(cli_build, landing):
    _, code, output, work = cli_build
    assert code == 0, output[-3000:]
    result = _dtsen(
        "build",
        "--landing",
        str(landing),
        "--db",
        str(work / "warehouse.duckdb"),
        "--",
        "--select",
        "stg_dukcapil__penduduk",
        *ONLY_ITS_TESTS,
        "--target-path",
        str(work / "target-2"),
        "--log-path",
        str(work / "logs"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = _run_results(work / "target-2")
    assert [r["unique_id"] for r in results["results"] if r["unique_id"].startswith("model.")] == [
        "model.dtsen.stg_dukcapil__penduduk"
    ]


def test_other_commands_still_refuse_unknown_arguments():
    result = _dtsen("report", "--select", "x")
    assert result.returncode == 2
    assert "unrecognized arguments: --select x" in result.stderr


# ------------------------------------------------------------------ output for an operator

ANSI = "\x1b["  # the start of a colour code


def test_no_colour_codes_when_the_output_is_not_a_terminal(cli_build):
    """dbt colours its output and its own log whether or not they are a terminal; dtsen
    build's output here is a pipe."""
    _, code, output, work = cli_build
    assert code == 0, output[-3000:]
    assert " PASS " in output and ANSI not in output
    assert ANSI not in (work / "logs" / "dbt.log").read_text()


def test_quiet_build_prints_its_progress_in_one_line_and_logs_beside_runs_jsonl(cli_build, landing):
    _, code, output, work = cli_build
    assert code == 0, output[-3000:]
    db = work / "warehouse.duckdb"
    arguments = [
        "build", "--quiet", "--landing", str(landing), "--db", str(db), "--", "--select", SMALL,
        *ONLY_ITS_TESTS, "--target-path", str(work / "target-quiet"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    result = _dtsen(*arguments)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    *progress, line = result.stdout.splitlines()
    # a progress line a minute at most, instead of dbt's line per node
    assert all(re.fullmatch(r"dbt build: \d+/\d+ nodes done \(\d+ s\)", text) for text in progress), progress
    results = _run_results(work / "target-quiet")["results"]
    done = re.fullmatch(r"dbt build finished with exit code 0 in [\d.]+ s: (\d+)/(\d+) nodes \((.+)\)", line)
    assert done and done[1] == done[2], line
    statuses = dict(item.split(" ") for item in done[3].split(", "))
    assert sum(map(int, statuses.values())) == int(done[2])
    assert int(statuses["pass"]) == sum(r["status"] == "pass" for r in results) > 50
    assert ANSI not in result.stdout + result.stderr
    # dbt's own log keeps its format (dtsen reads dbt's JSON on stdout only)
    assert (work / "logs" / "dbt.log").read_text().splitlines()[-1].split(" ")[1] == "[debug]"
    # the log, beside the quality results of this database (runs.jsonl)
    log = (work / "quality" / "dtsen.log").read_text().splitlines()
    version = subprocess.run([DTSEN, "--version"], capture_output=True, text=True).stdout.strip()
    [start] = [entry for entry in log if " start " in entry and " dtsen build --quiet " in entry]
    assert f"start {version} pid " in start and start.endswith(shlex.join(["dtsen", *arguments]))
    after = log[log.index(start) + 1 :]
    after = after[len(progress) :]
    assert after[0].endswith(line) and re.search(r" stage dbt build: done in [\d.]+ s$", after[1])
    assert re.search(r" exit status 0 \(ok\) in [\d.]+ s$", after[2])
    assert _mode(work / "quality" / "dtsen.log") == 0o600


def test_quiet_build_prints_dbt_warnings_in_full(landing, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    result = _dtsen(
        "build", "--landing", str(landing), "--db", str(db), "--select", "no_such_model",
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        env=_env(DTSEN_QUIET="1"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.splitlines()[:2] == [
        "The selection criterion 'no_such_model' does not match any enabled nodes",
        "Nothing to do. Try checking your model configs and model specification args",
    ]
    assert result.stdout.splitlines()[2].startswith("dbt build finished with exit code 0 in ")
    assert len(result.stdout.splitlines()) == 3
    log = (tmp_path / "quality" / "dtsen.log").read_text()
    assert "does not match any enabled nodes" in log and "exit status 0 (ok)" in log


# ------------------------------------------------------------------ permissions


def test_build_makes_the_database_and_spill_folder_owner_only(cli_build):
    watch, code, output, work = cli_build
    assert code == 0, output[-3000:]
    db = work / "warehouse.duckdb"
    assert _mode(db) == 0o600
    spill = Path(f"{db}.tmp")
    if spill.exists():  # DuckDB removes the spill folder it finds empty
        assert _mode(spill) == 0o700
        assert {_mode(path) for path in spill.iterdir()} <= {0o600}
    # Whatever DuckDB creates while dbt runs is owner-only: dbt runs with umask 077.
    assert "0077" in watch.umasks, watch.umasks
    assert watch.modes["wal"], "the build wrote no WAL while it was watched"
    assert watch.modes["wal"] == {0o600}
    assert watch.modes["tmp"] <= {0o700}


def test_scheduled_dbt_build_makes_the_database_owner_only(landing, tmp_path):
    """A scheduled job runs dbt directly, under its own umask: the profile's plugin still
    makes the database (created by this build, and one left 0644) owner-only."""
    for db in (tmp_path / "new" / "warehouse.duckdb", tmp_path / "old" / "warehouse.duckdb"):
        db.parent.mkdir()
        if db.parent.name == "old":
            _loose_leftovers(db)
        command = [*dbt_command("build", db.parent), "--select", SMALL, *ONLY_ITS_TESTS]
        watch, code, output = _watched(command, _env(**dbt_env(landing, db)), db)
        assert code == 0, output[-3000:]
        assert _mode(db) == 0o600
        assert "0077" in watch.umasks
        assert watch.modes["wal"] == {0o600}
        assert watch.modes["tmp"] <= {0o700}
        assert not Path(f"{db}.tmp").exists() or _mode(Path(f"{db}.tmp")) == 0o700


# ------------------------------------------------------------------ pre-flight


def _refused(result: subprocess.CompletedProcess, *expected: str) -> list[str]:
    """The refusal's lines, after checking that it refused before dbt started."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout == ""  # dbt never started: it would have printed
    assert lines and all(line.startswith("dtsen build: ") for line in lines), lines
    for text in expected:
        assert any(text in line for line in lines), (text, lines)
    return lines


def test_preflight_refuses_a_build_without_key(landing, tmp_path):
    db = tmp_path / "warehouse" / "dtsen.duckdb"
    result = _dtsen("build", "--landing", str(landing), "--db", str(db), env=_env(**{KEY_VARIABLE: None}))
    lines = _refused(result, f"dtsen build: {KEY_VARIABLE} is not set")
    assert len(lines) == 1
    assert not db.parent.exists()


def test_update_refuses_without_the_key_and_never_writes_the_landing_zone(landing, tmp_path):
    """The scheduled job (deploy/) works on what the agencies delivered: unlike `run` it
    makes up no key and generates nothing over the landing zone."""
    delivered = {path: path.read_bytes() for path in landing.rglob("*") if path.is_file()}
    db = tmp_path / "warehouse" / "dtsen.duckdb"
    result = _dtsen("update", "--landing", str(landing), "--db", str(db), env=_env(**{KEY_VARIABLE: None}))
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    [line] = result.stderr.splitlines()
    assert line.startswith(f"dtsen update: {KEY_VARIABLE} is not set"), line
    assert result.stdout == ""  # no throwaway key, no generation, no dbt
    assert {path: path.read_bytes() for path in landing.rglob("*") if path.is_file()} == delivered
    assert not db.parent.exists()


def test_run_checks_before_its_build_too(tmp_path):
    """dtsen run makes its landing zone, then checks before dbt starts."""
    db = tmp_path / "warehouse.duckdb"
    result = _dtsen(
        "run",
        "--persons",
        "300",
        "--landing",
        str(tmp_path / "landing"),
        "--truth",
        str(tmp_path / "truth"),
        "--db",
        str(db),
        env=_env(**{DISK_VARIABLE: "9999TB"}),
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    [line] = result.stderr.splitlines()
    assert line.startswith("dtsen run: ") and line.endswith("(as DTSEN_DISK_NEEDED says)")
    assert "dbt build finished" not in result.stdout and not db.exists()


def test_preflight_names_a_missing_landing_folder_and_how_to_set_it(tmp_path):
    missing = tmp_path / "landing-typo"
    result = _dtsen("build", "--landing", str(missing), "--db", str(tmp_path / "w.duckdb"), "-s", "x")
    lines = _refused(result, f"landing folder {missing} does not exist (given by --landing)")
    assert len(lines) == 1
    # The default landing folder, refused whether it exists or not: the disk cannot hold it.
    default = _dtsen("build", "--db", str(tmp_path / "w.duckdb"), env=_env(**{DISK_VARIABLE: "9999TB"}))
    lines = _refused(default)
    if not (PROJECT_DIR / "landing").exists():
        assert lines[0].startswith(
            f"dtsen build: landing folder {PROJECT_DIR / 'landing'} does not exist "
            "(the default; --landing DIR sets another"
        )


def test_preflight_names_the_process_holding_the_database(landing, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; con = duckdb.connect({str(db)!r}); "
            "print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "open\n"
        result = _dtsen("build", "--landing", str(landing), "--db", str(db))
        lines = _refused(
            result,
            f"working database {db} is in use by process {holder.pid} "
            f"({sys.executable} -c import duckdb, sys;",
        )
        assert len(lines) == 1
    finally:
        holder.communicate("")
    assert preflight(landing, db, "") == []  # released: the build may start


def test_preflight_refuses_a_build_the_disk_cannot_hold(landing, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    result = _dtsen(
        "build", "--landing", str(landing), "--db", str(db), env=_env(**{DISK_VARIABLE: "9999TB"})
    )
    lines = _refused(result, "the build needs 10238976.0 GB (as DTSEN_DISK_NEEDED says)")
    assert len(lines) == 1
    _refused(
        _dtsen("build", "--landing", str(landing), "--db", str(db), env=_env(**{DISK_VARIABLE: "lots"})),
        "DTSEN_DISK_NEEDED='lots' is not a size",
    )
    assert not db.exists()


def test_disk_estimate_is_eight_times_the_landing_zone(landing, tmp_path, monkeypatch):
    monkeypatch.delenv(DISK_VARIABLE, raising=False)
    assert check_disk(landing, tmp_path / "w.duckdb") is None  # a few kB of deliveries
    # A landing zone larger than an eighth of the free disk: a sparse file costs no disk.
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    big = tmp_path / "big-landing"
    big.mkdir()
    with open(big / "huge.csv", "wb") as sparse:
        sparse.truncate(free // DISK_PER_LANDING_BYTE + 2**30)
    fault = check_disk(big, tmp_path / "w.duckdb")
    assert fault is not None and f"about {DISK_PER_LANDING_BYTE} x the landing zone's" in fault
    assert dir_bytes(big) == free // DISK_PER_LANDING_BYTE + 2**30
    monkeypatch.setenv(DISK_VARIABLE, "0")  # an operator who knows better
    assert check_disk(big, tmp_path / "w.duckdb") is None


def test_parse_size():
    assert parse_size("50GB") == 50 * 2**30
    assert parse_size("512 mb") == 512 * 2**20
    assert parse_size("1048576") == 2**20
    with pytest.raises(ValueError, match="lots"):
        parse_size("lots")


def test_preflight_reports_every_fault_on_its_own_line_in_well_under_a_second(landing, tmp_path, monkeypatch):
    db = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(db)).close()
    monkeypatch.setenv(KEY_VARIABLE, secrets.token_hex(32))
    monkeypatch.delenv(DISK_VARIABLE, raising=False)
    preflight(landing, db, "")  # imports (DuckDB, the key's module) once, as a command pays them
    started = time.perf_counter()
    assert preflight(landing, db, "") == []
    assert time.perf_counter() - started < 0.5

    result = _dtsen(
        "build",
        "--landing",
        str(tmp_path / "nowhere"),
        "--db",
        str(db),
        env=_env(**{KEY_VARIABLE: None, DISK_VARIABLE: "9999TB"}),
    )
    lines = _refused(result, KEY_VARIABLE, "does not exist")
    assert len(lines) == 2  # no disk estimate without a landing zone


def test_preflight_refuses_a_changed_key_unless_a_rotation_is_asked(tmp_path, monkeypatch):
    """The working database keeps a keyed fingerprint of its history's key: `dtsen build`
    with another key stops before dbt starts, and may go on when --vars asks for a rotation
    and the previous key is given."""
    from dtsen.pseudonym import FINGERPRINT_TABLE, PREVIOUS_KEY_VARIABLE, key_fingerprint

    landing, db = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_sample_landing(landing)
    old_key, new_key = secrets.token_hex(32), secrets.token_hex(32)
    with duckdb.connect(str(db)) as con:
        con.execute(f"create table {FINGERPRINT_TABLE} (fingerprint varchar not null, stored_at timestamp)")
        con.execute(
            f"insert into {FINGERPRINT_TABLE} values (?, current_timestamp)",
            [key_fingerprint(old_key.encode())],
        )

    result = _dtsen(
        "build",
        "--landing",
        str(landing),
        "--db",
        str(db),
        "--select",
        SMALL,
        env=_env(**{KEY_VARIABLE: new_key}),
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("dtsen build: ") and "rotate_pseudonym_key" in line, line
    assert "Running with dbt" not in result.stdout

    monkeypatch.setenv(KEY_VARIABLE, new_key)
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, old_key)
    assert len(preflight(landing, db, "", ["--select", SMALL])) == 1
    assert len(preflight(landing, db, "", ["--vars", "{retrain_matcher: true}"])) == 1
    for asked in (["--vars", "{rotate_pseudonym_key: true}"], ["--vars={rotate_pseudonym_key: true, x: 1}"]):
        assert preflight(landing, db, "", ["--select", SMALL, *asked]) == []
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, secrets.token_hex(32))  # not the key of the history
    (fault,) = preflight(landing, db, "", ["--vars", "{rotate_pseudonym_key: true}"])
    assert PREVIOUS_KEY_VARIABLE in fault
