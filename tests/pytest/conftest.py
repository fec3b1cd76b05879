"""Shared fixtures. dbt costs 3-4 s of start-up per run, so tests share builds."""

from __future__ import annotations

import fcntl
import json
import os
from functools import partial

import duckdb
import pytest

from dtsen.evaluate import attach_truth
from dtsen.generate import generate
from dtsen.project import dbt_build as _dbt_build
from dtsen.pseudonym import KEY_VARIABLE

GENERATED_PERSONS = 20_000
# A published key for synthetic data only, never for real data: 64 hexadecimal digits, as
# strong keys are written (dtsen.pseudonym refuses weak ones).
TEST_PSEUDONYM_KEY = "7e57" * 16


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key():
    """Builds in tests pseudonymise with a fixed, published key: synthetic data only."""
    previous = os.environ.get(KEY_VARIABLE)
    os.environ[KEY_VARIABLE] = TEST_PSEUDONYM_KEY
    yield TEST_PSEUDONYM_KEY
    if previous is None:
        del os.environ[KEY_VARIABLE]
    else:
        os.environ[KEY_VARIABLE] = previous


@pytest.fixture(scope="session")
def dbt_build():
    """A real `dbt build` in a subprocess, artefacts beside the database, output captured."""
    return partial(_dbt_build, isolated=True, capture=True)


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory, dbt_build):
    """A generated population built once for the run: (connection with the truth attached
    as truth_* views, generator summary, folder). Under pytest-xdist the first worker that
    needs it builds it and the others wait for it (a file lock) and open the same files,
    read-only: tests copy the database before they change anything."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        root = tmp_path_factory.mktemp("generated")
    else:
        root = tmp_path_factory.getbasetemp().parent / "generated"  # the run's, every worker's
        root.mkdir(exist_ok=True)
    with open(root / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        summary = _built_once(root, dbt_build)
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    attach_truth(con, root / "truth")
    yield con, summary, root
    con.close()


def _built_once(root, dbt_build) -> dict:
    """The generator's summary; generates and builds in `root` unless done already. A build
    that failed is not tried again: its output is the failure of every worker."""
    done, failed = root / "summary.json", root / "build-failed.txt"
    if failed.exists():
        pytest.fail(failed.read_text(encoding="utf-8"))
    if not done.exists():
        landing, truth = root / "landing", root / "truth"
        summary = generate(persons=GENERATED_PERSONS, seed=20261126, out=landing, truth=truth)
        result = dbt_build(landing, root / "warehouse.duckdb")
        if result.returncode != 0:
            failed.write_text(result.stdout[-4000:], encoding="utf-8")
            pytest.fail(result.stdout[-4000:])
        done.write_text(json.dumps(summary), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))
