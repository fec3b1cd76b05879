"""Shared fixtures. dbt costs 3-4 s of start-up per run, so tests share builds."""
from __future__ import annotations

from functools import partial

import pytest

from dtsen.cli import dbt_build as _dbt_build


@pytest.fixture(scope="session")
def dbt_build():
    """A real `dbt build` in a subprocess, artefacts beside the database, output captured."""
    return partial(_dbt_build, isolated=True, capture=True)
