"""Shared fixtures. dbt costs 3-4 s of start-up per run, so tests share builds."""

from __future__ import annotations

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
    """A generated population built once for the session: (connection with the truth
    attached as truth_* views, generator summary, folder)."""
    root = tmp_path_factory.mktemp("generated")
    summary = generate(persons=GENERATED_PERSONS, seed=20261126, out=root / "landing", truth=root / "truth")
    result = dbt_build(root / "landing", root / "warehouse.duckdb")
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    attach_truth(con, root / "truth")
    yield con, summary, root
    con.close()
