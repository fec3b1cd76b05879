"""The convention check (scripts/check_conventions.py, conventions/) on this project's real
manifest.json, with violations planted in scratch copies of it.

The check must fail on a planted violation and pass once an exception explains it. The baseline
is today's project with each of its violations excepted, so that these tests say whether the
check works, whatever the graph looks like today; scripts/test.sh runs it on the project itself.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_conventions.py"
_spec = importlib.util.spec_from_file_location("check_conventions", SCRIPT)
check_conventions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_conventions)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """The project's manifest, from a real `dbt parse` into a scratch target."""
    target = tmp_path_factory.mktemp("conventions-target")
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--target-path", str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def baseline(manifest, tmp_path_factory) -> list[tuple[str, str]]:
    """(rule, node) of every violation the project has today."""
    path = tmp_path_factory.mktemp("baseline") / "manifest.json"
    path.write_text(json.dumps(manifest))
    violations, _ = check_conventions.run_dbt_score(path)
    return sorted({(v.rule, v.node) for v in violations})


def write(tmp_path: Path, manifest: dict, exceptions: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    manifest_path, exceptions_path = tmp_path / "manifest.json", tmp_path / "exceptions.csv"
    manifest_path.write_text(json.dumps(manifest))
    with exceptions_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rule", "node", "reason"])
        writer.writerows(exceptions)
    return manifest_path, exceptions_path


def run(manifest_path: Path, exceptions_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--manifest", str(manifest_path), "--exceptions", str(exceptions_path)],
        capture_output=True,
        text=True,
        check=False,
    )


def excepted(baseline) -> list[tuple[str, str, str]]:
    return [(rule, node, "today's project, excepted for this test") for rule, node in baseline]


def add_parent(manifest: dict, child: str, parent: str) -> dict:
    planted = json.loads(json.dumps(manifest))
    planted["nodes"][f"model.dtsen.{child}"]["depends_on"]["nodes"].append(f"model.dtsen.{parent}")
    return planted


def test_baseline_passes_with_its_exceptions(manifest, baseline, tmp_path):
    result = run(*write(tmp_path, manifest, excepted(baseline)))
    assert result.returncode == 0, result.stderr
    assert "follows the conventions" in result.stdout


def test_staging_reading_staging_fails_until_explained(manifest, baseline, tmp_path):
    assert ("staging_reads_staging", "stg_reference__kode_wilayah_nik") not in baseline
    planted = add_parent(manifest, "stg_reference__kode_wilayah_nik", "stg_dukcapil__penduduk")
    result = run(*write(tmp_path, planted, excepted(baseline)))
    assert result.returncode == 1
    assert (
        "staging_reads_staging stg_reference__kode_wilayah_nik: staging model reads staging "
        "model(s): stg_dukcapil__penduduk."
    ) in result.stderr
    explained = [
        *excepted(baseline),
        ("staging_reads_staging", "stg_reference__kode_wilayah_nik", "planted for this test"),
    ]
    assert run(*write(tmp_path, planted, explained)).returncode == 0


def test_reading_the_intake_is_no_staging_read(manifest, baseline, tmp_path):
    """conventions/pyproject.toml names the intake, the landing ledger every staging model reads."""
    planted = add_parent(manifest, "stg_reference__kode_wilayah_nik", "stg_landing__delivery_files")
    result = run(*write(tmp_path, planted, excepted(baseline)))
    assert result.returncode == 0, result.stderr


def test_missing_primary_key_test_fails(manifest, baseline, tmp_path):
    assert ("primary_key_test", "dim_region") not in baseline
    planted = json.loads(json.dumps(manifest))
    for unique_id, node in list(planted["nodes"].items()):
        if node["resource_type"] == "test" and node.get("attached_node") == "model.dtsen.dim_region":
            del planted["nodes"][unique_id]
    result = run(*write(tmp_path, planted, excepted(baseline)))
    assert result.returncode == 1
    assert "primary_key_test dim_region: no primary-key test" in result.stderr


def test_mart_outside_marts_folder_fails(manifest, baseline, tmp_path):
    planted = json.loads(json.dumps(manifest))
    planted["nodes"]["model.dtsen.dim_region"]["original_file_path"] = "models/staging/dim_region.sql"
    result = run(*write(tmp_path, planted, excepted(baseline)))
    assert result.returncode == 1
    assert "model_directory dim_region: a marts model must live under models/marts/." in result.stderr


def test_rejoined_concept_fails(manifest, baseline, tmp_path):
    """A model C reading B and B's parent A, where C is B's only reader, rejoins A."""
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    readers = {uid: [c for c, n in nodes.items() if uid in n["depends_on"]["nodes"]] for uid in nodes}
    middle, child, grandparent = next(
        (b, readers[b][0], a)
        for b in sorted(nodes)
        if len(readers[b]) == 1
        and "marts" not in (nodes[readers[b][0]]["path"].split("/")[0], nodes[b]["path"].split("/")[0])
        and ("rejoined_upstream_concept", nodes[readers[b][0]]["name"]) not in baseline
        for a in nodes[b]["depends_on"]["nodes"]
        if a in nodes and a not in nodes[readers[b][0]]["depends_on"]["nodes"]
    )
    planted = add_parent(manifest, nodes[child]["name"], nodes[grandparent]["name"])
    result = run(*write(tmp_path, planted, excepted(baseline)))
    assert result.returncode == 1
    assert (
        f"rejoined_upstream_concept {nodes[child]['name']}: rejoins an upstream concept: "
        f"{nodes[grandparent]['name']} -> {nodes[middle]['name']} -> {nodes[child]['name']}" in result.stderr
    )


def test_stale_exception_fails(manifest, baseline, tmp_path):
    stale = [*excepted(baseline), ("staging_reads_staging", "stg_reference__kode_wilayah_nik", "gone")]
    result = run(*write(tmp_path, manifest, stale))
    assert result.returncode == 1
    assert "staging_reads_staging,stg_reference__kode_wilayah_nik: no longer violated" in result.stderr


def test_unknown_rule_fails(manifest, baseline, tmp_path):
    result = run(*write(tmp_path, manifest, [*excepted(baseline), ("no_such_rule", "dim_region", "x")]))
    assert result.returncode == 1
    assert "no_such_rule,dim_region: no such rule" in result.stderr


def test_exception_without_reason_is_refused(manifest, baseline, tmp_path):
    result = run(*write(tmp_path, manifest, [*excepted(baseline), ("primary_key_test", "dim_region", " ")]))
    assert result.returncode == 2
    assert "needs a rule, a node and a reason why it stands (primary_key_test,dim_region)" in result.stderr


def test_project_exceptions_are_well_formed():
    """Every line of conventions/exceptions.csv names a rule and a node and says why."""
    exceptions = check_conventions.read_exceptions(check_conventions.EXCEPTIONS)
    assert all(len(reason) > 20 for reason in exceptions.values())
