"""Crash injection: real builds, quality runs and publications killed (SIGKILL to the whole
process group) at random points of each stage, each followed by `dtsen quality` and
`dtsen publish` as a scheduled job would retry them. After every step the published
analyst database must be exactly the marts of one build that finished with every node
passing and that quality passed for: its recorded content hashes, build id and deliveries
equal those recorded when that build completed, and they match what the file holds.

Two landing states (a generated month, then `next_month`) make a mix visible: the build
kills fall in builds of month 2 over a working database holding month 1's published
build; quality and publishing are killed on month 1's.

Seeded: DTSEN_CRASH_SEED reproduces a failing sequence (printed on failure);
DTSEN_CRASH_ROUNDS runs the build kills more than once (default 1: the suite's budget).
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from quality_helpers import run_quality

from dtsen.generate import generate
from dtsen.generate.month import next_month
from dtsen.marts import build_state, mart_content_hashes
from dtsen.project import PROJECT_DIR, dbt_command, dbt_env
from dtsen.publish import parquet_folder, publication_link
from dtsen.quality.runner import RUNS_NAME, read_records

PERSONS = 1_500
SEED = int(os.environ.get("DTSEN_CRASH_SEED", "20261206"))
ROUNDS = int(os.environ.get("DTSEN_CRASH_ROUNDS", "1"))
# The first node of each stage in dbt's output; the kill follows after a random delay of
# up to the seconds given (about the stage's length at PERSONS, so it lands inside it).
BUILD_STAGES = {
    "staging": (r"START \w+ \w+ model staging\.", 4.0),
    "intermediate": (r"START \w+ \w+ model intermediate\.", 12.0),
    # dim_region needs only the seeds and starts early: the marts stage begins with the
    # first mart built from the intermediate models.
    "marts": (r"START \w+ \w+ model marts\.(dim_person|mart_duplicates|fct_household) ", 4.0),
    "snapshot": (r"START snapshot marts\.snap_household_eligibility", 0.4),
}
DTSEN = str(Path(sys.executable).with_name("dtsen"))


@dataclasses.dataclass
class Build:
    hashes: dict[str, str]
    deliveries: list[tuple]


class Scenario:
    """One working database and its analyst database, with what the test knows for sure:
    every build that completed (dbt exit 0), with its marts' hashes and deliveries."""

    def __init__(self, root: Path, rng: random.Random):
        self.root, self.rng = root, rng
        self.landing = root / "landing"
        self.working = root / "work" / "warehouse.duckdb"
        self.analyst = root / "analyst" / "analyst.duckdb"
        self.complete: dict[str, Build] = {}
        self.log: list[str] = []  # what happened, for the failure message
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:6.1f} s  {text}")

    def _dbt(self) -> subprocess.Popen:
        self.working.parent.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            dbt_command("build", self.working.parent),
            env=dbt_env(self.landing, self.working),
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def build(self) -> str:
        """A complete build; returns its id."""
        process = self._dbt()
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-4000:]
        con = duckdb.connect(str(self.working), read_only=True)
        try:
            state = build_state(con)
            assert state.problem is None, state.problem
            deliveries = con.execute(
                "select source, delivery, extract_date, file_name, file_sha256, file_rows "
                "from build_ledger.build_deliveries where invocation_id = ? order by all",
                [state.build_id],
            ).fetchall()
            self.complete[state.build_id] = Build(mart_content_hashes(con), deliveries)
        finally:
            con.close()
        self.note(f"complete build {state.build_id}")
        return state.build_id

    def killed_build(self, stage: str) -> None:
        marker, longest = BUILD_STAGES[stage]
        process = self._dbt()
        seen = threading.Event()

        def watch() -> None:
            for line in process.stdout:
                if re.search(marker, line):
                    seen.set()
            seen.set()  # the build ended without reaching the stage

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert seen.wait(600)
        delay = self.rng.uniform(0, longest)
        time.sleep(delay)
        alive = process.poll() is None
        if alive:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        watcher.join(10)
        self.note(f"build killed {delay:.2f} s into {stage}" if alive else f"build of {stage} NOT killed")
        assert alive and process.returncode == -signal.SIGKILL, self.log

    def marts_not_one_complete_build(self) -> bool:
        con = duckdb.connect(str(self.working), read_only=True)
        try:
            state = build_state(con)
        finally:
            con.close()
        self.note(f"marts of {len(state.builds)} build(s): {state.problem or 'one complete build'}"[:200])
        return state.problem is not None

    def quality(self, kill: bool = False) -> int | None:
        if not kill:
            result = run_quality(self.working, self.working.parent / "quality")
            self.note(f"quality exit {result.returncode}")
            return result.returncode
        process = subprocess.Popen(
            [DTSEN, "quality", "--db", str(self.working)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        delay = self.rng.uniform(0.5, 7.0)
        time.sleep(delay)
        alive = process.poll() is None
        if alive:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.note(f"quality killed {delay:.2f} s in" if alive else f"quality ended before {delay:.2f} s")
        return None

    def publish(self, kill: bool = False) -> int | None:
        command = [DTSEN, "publish", "--db", str(self.working), "--analyst-db", str(self.analyst)]
        if not kill:
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
            self.note(f"publish exit {result.returncode}: {result.stderr.strip()[:300]}")
            return result.returncode
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        # Killed while it writes the new analyst database (or, at random, just before or after).
        deadline = time.monotonic() + 60
        while (
            process.poll() is None
            and not list(self.analyst.parent.glob("*.publishing-*"))
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        delay = self.rng.uniform(0, 0.8)
        time.sleep(delay)
        alive = process.poll() is None
        if alive:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.note(f"publish killed {delay:.2f} s into writing" if alive else "publish ended before the kill")
        return None

    def passed_builds(self) -> set[str]:
        return {
            run["build_id"]
            for run in read_records(self.working.parent / "quality" / RUNS_NAME)
            if run.get("build_id") and run["blocking_failures"] == 0 and run["db"] == str(self.working)
        }

    def published(self) -> str | None:
        """The build published, after checking that the analyst database is exactly one
        complete, quality-passed build's marts (None: nothing published yet)."""
        if not self.analyst.exists():
            return None
        con = duckdb.connect(str(self.analyst), read_only=True)
        try:
            recorded = con.sql("select build_id, table_name, content_hash from _publication").fetchall()
            deliveries = con.sql("select * from _publication_deliveries order by all").fetchall()
            (build_id,) = {row[0] for row in recorded}
            hashes = {table: content_hash for _, table, content_hash in recorded}
            assert mart_content_hashes(con) == hashes, self.log  # the file holds what it records
            (published_at,) = {row[0] for row in con.sql("select published_at from _publication").fetchall()}
        finally:
            con.close()
        # The Parquet files are of the same publication.
        parquet = pq.read_table(parquet_folder(self.analyst) / "_publication.parquet")
        assert set(parquet.column("published_at").to_pylist()) == {published_at}, self.log
        assert build_id in self.complete, (f"published build {build_id} never completed", self.log)
        assert hashes == self.complete[build_id].hashes, ("published marts are not one build's", self.log)
        assert deliveries == self.complete[build_id].deliveries, ("deliveries of another build", self.log)
        assert build_id in self.passed_builds(), (f"{build_id} published without passing quality", self.log)
        # Only the links analysts open, the publications' folders (this and the previous
        # one), and what a killed publisher left (the next publish removes it).
        current, parquet = publication_link(self.analyst).name, parquet_folder(self.analyst).name
        assert all(
            re.fullmatch(re.escape(self.analyst.name) + r"(\.publishing-\d+(\.wal|\.link)?)?", path.name)
            or re.fullmatch(re.escape(current) + r"(\.\d{8}T\d{12}Z|\.publishing-\d+(\.link)?)?", path.name)
            or re.fullmatch(re.escape(parquet) + r"(\.publishing-\d+\.link)?", path.name)
            for path in self.analyst.parent.iterdir()
        ), self.log
        return build_id


def test_killed_builds_quality_runs_and_publications_never_publish_a_mix(tmp_path):
    rng = random.Random(SEED)
    scenario = Scenario(tmp_path, rng)
    generate(persons=PERSONS, seed=SEED, out=scenario.landing, truth=tmp_path / "truth")
    try:
        month_1 = scenario.build()
        # Quality killed: nothing judged this build yet, so nothing is published.
        scenario.quality(kill=True)
        assert scenario.publish() == 1 and scenario.published() is None
        assert scenario.quality() == 0
        # Publishing killed while it writes: no publication, or a whole one.
        for _ in range(2):
            scenario.publish(kill=True)
            assert scenario.published() in (None, month_1)
        assert scenario.publish() == 0 and scenario.published() == month_1
        current = publication_link(scenario.analyst)
        links = {scenario.analyst.name, current.name, parquet_folder(scenario.analyst).name}
        left = {path.name for path in scenario.analyst.parent.iterdir()} - links
        assert os.readlink(current) in left and len(left) <= 2  # this publication, maybe the one before
        assert all(re.fullmatch(re.escape(current.name) + r"\.\d{8}T\d{12}Z", name) for name in left)

        next_month(scenario.landing, seed=SEED)
        for _ in range(ROUNDS):
            for stage in BUILD_STAGES:
                scenario.killed_build(stage)
                spoilt = scenario.marts_not_one_complete_build()
                code = scenario.quality()
                published = scenario.publish()
                # Once a mart of the killed build is committed (always by the snapshot),
                # the marts are a mix, or all of an unfinished build: quality must block
                # and publishing refuse.
                assert spoilt or stage != "snapshot", scenario.log
                if spoilt:
                    assert code == 1 and published == 1, scenario.log
                # Whatever was published is month 1's complete build, never a mix.
                assert scenario.published() == month_1

        # A complete build of month 2 recovers: judged, then published with its deliveries.
        month_2 = scenario.build()
        assert scenario.complete[month_2].deliveries != scenario.complete[month_1].deliveries
        assert scenario.quality() == 0 and scenario.publish() == 0
        assert scenario.published() == month_2
    except AssertionError:
        print(f"DTSEN_CRASH_SEED={SEED}:", *scenario.log, sep="\n  ")
        raise
    print(f"DTSEN_CRASH_SEED={SEED}:", *scenario.log, sep="\n  ")
