"""The repository carries its own copy of the landing-zone contract (docs/contract.md),
kept equal to the one agreed with the agencies (shared/CONTRACT.md beside the clone)."""

from __future__ import annotations

import pytest

from dtsen.project import PROJECT_DIR

SHARED_CONTRACT = PROJECT_DIR.parent / "shared" / "CONTRACT.md"


@pytest.mark.skipif(not SHARED_CONTRACT.is_file(), reason=f"no shared contract at {SHARED_CONTRACT}")
def test_docs_contract_equals_the_shared_contract():
    assert (PROJECT_DIR / "docs" / "contract.md").read_text(encoding="utf-8") == SHARED_CONTRACT.read_text(
        encoding="utf-8"
    ), "docs/contract.md differs from shared/CONTRACT.md: copy the agreed contract"
