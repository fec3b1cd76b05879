"""The benchmark's machinery (benchmarks/bench.py, loaded as `dtsen bench` loads it), without
running a build: no timing assertions."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time

import duckdb
import pytest

from dtsen.project import BENCHMARKS_DIR, NoBenchmarks, load_benchmark

bench = load_benchmark("bench")

CHILD_BYTES = 200 * 1024 * 1024


def test_sampler_sees_a_child_process_memory():
    """A child holding 200 MB shows up in the process-tree RSS (the sampler's own process not counted)."""
    code = (
        f"import time; b = bytearray({CHILD_BYTES}); b[::4096] = b'x' * len(b[::4096]); "
        "print('ok', flush=True); time.sleep(2)"
    )
    with bench.Sampler(interval=0.05) as sampler:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ok"
        time.sleep(0.3)
        child.terminate()
        child.wait()
    assert sampler.peak >= CHILD_BYTES
    assert len(sampler.samples) >= 2


def test_tree_rss_counts_the_root_only_when_asked():
    import os

    assert bench.tree_rss(os.getpid(), include_root=True) > 0
    assert bench.tree_rss(os.getpid(), include_root=True) >= bench.tree_rss(os.getpid())


def test_sampler_peak_during_intervals():
    sampler = bench.Sampler(interval=0.2)
    sampler.samples = [(10.0, 1), (11.0, 5), (12.0, 9), (13.0, 2)]
    assert sampler.peak_during([(10.9, 11.1)]) == 5
    assert sampler.peak_during([(9.0, 10.5), (12.9, 13.5)]) == 2
    assert sampler.peak == 9


def test_stage_of_node():
    assert bench.stage_of("seed", "seeds/ref_desa.csv") == "staging"
    assert bench.stage_of("model", "models/staging/dtks/stg_dtks__anggota.sql") == "staging"
    assert bench.stage_of("model", "models/intermediate/identity/int_person_match_pairs.py") == "resolution"
    assert bench.stage_of("model", "models/intermediate/identity/int_persons.sql") == "resolution"
    assert bench.stage_of("model", "models/intermediate/welfare/int_household_indicators.sql") == "households"
    assert bench.stage_of("model", "models/marts/households/fct_household.sql") == "marts"
    assert bench.stage_of("test", "models/marts/households/_marts_households__models.yml") == "tests"
    assert bench.stage_of("unit_test", "models/staging/dukcapil/_dukcapil__models.yml") == "tests"


def _result(uid: str, start: str, end: str, seconds: float) -> dict:
    return {
        "unique_id": uid,
        "execution_time": seconds,
        "status": "success",
        "timing": [
            {"name": "compile", "started_at": start, "completed_at": start},
            {"name": "execute", "started_at": start, "completed_at": end},
        ],
    }


def test_split_build_shares_wall_time_between_running_nodes():
    manifest = {
        "nodes": {
            "model.dtsen.stg_a": {"resource_type": "model", "original_file_path": "models/staging/stg_a.sql"},
            "model.dtsen.int_person_records": {
                "resource_type": "model",
                "original_file_path": "models/intermediate/identity/int_person_records.sql",
            },
            "test.dtsen.not_null_stg_a_x": {
                "resource_type": "test",
                "original_file_path": "models/staging/_s.yml",
            },
        },
        "unit_tests": {},
    }
    run_results = {
        "results": [
            _result("model.dtsen.stg_a", "2026-11-26T10:00:00Z", "2026-11-26T10:00:04Z", 4.0),
            # runs 10:00:02-10:00:06, beside stg_a for 2 s and the test for 1 s
            _result("model.dtsen.int_person_records", "2026-11-26T10:00:02Z", "2026-11-26T10:00:06Z", 4.0),
            _result("test.dtsen.not_null_stg_a_x", "2026-11-26T10:00:05Z", "2026-11-26T10:00:06Z", 1.0),
        ]
    }
    stages = bench.split_build(run_results, manifest)
    assert set(stages) == {"staging", "resolution", "tests"}
    assert abs(stages["staging"]["wall_s"] - 3.0) < 1e-6  # 2 s alone + half of 2 s
    assert abs(stages["resolution"]["wall_s"] - 2.5) < 1e-6  # half of 2 s + 1 s alone + half of 1 s
    assert abs(stages["tests"]["wall_s"] - 0.5) < 1e-6
    assert abs(sum(s["wall_s"] for s in stages.values()) - 6.0) < 1e-6  # adds up to the covered wall
    assert stages["resolution"]["node_s"] == 4.0 and stages["resolution"]["nodes"] == 1


def _rows(run_at: str, persons: int, total: float) -> list[dict]:
    common = {
        "run_id": f"{run_at}-{persons}",
        "run_at": run_at,
        "persons": persons,
        "cores": 2,
        "mem_gb": 23.5,
        "memory_limit": "12GB",
        "load_1m": 1.0,
    }
    return [
        {
            **common,
            "stage": "build",
            "status": "ok",
            "wall_s": total * 0.9,
            "rows": persons * 3,
            "peak_rss_mb": 512.0,
            "db_mb": 30.0,
        },
        {
            **common,
            "stage": "total",
            "status": "ok",
            "wall_s": total,
            "rows": persons * 3,
            "landing_mb": 6.0,
            "notes": "a note, with a comma",
        },
    ]


def test_results_csv_appends_rows_with_the_columns(tmp_path):
    path = tmp_path / "results.csv"
    bench.append_results(path, _rows("2026-11-26T10:00:00+00:00", 1000, 10.0))
    bench.append_results(
        path, [*_rows("2026-11-26T11:00:00+00:00", 10000, 100.0), {"stage": "x", "unknown": 1}]
    )
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = list(reader)
    assert header == bench.COLUMNS
    assert len(body) == 5 and all(len(row) == len(bench.COLUMNS) for row in body)
    rows = bench.read_results(path)
    assert rows[1]["notes"] == "a note, with a comma"
    assert rows[0]["wall_s"] == "9"


def test_latest_runs_exponent_and_table(tmp_path):
    path = tmp_path / "results.csv"
    bench.append_results(path, _rows("2026-11-26T09:00:00+00:00", 1000, 50.0))  # older run, same size
    bench.append_results(path, _rows("2026-11-26T10:00:00+00:00", 1000, 10.0))
    bench.append_results(path, _rows("2026-11-26T11:00:00+00:00", 10000, 100.0))
    runs = bench.latest_runs(bench.read_results(path))
    assert list(runs) == [1000, 10000]
    assert next(r for r in runs[1000] if r["stage"] == "total")["wall_s"] == "10"
    [(n1, n2, k)] = bench.exponents(runs, "total")
    assert (n1, n2) == (1000, 10000) and abs(k - 1.0) < 1e-9
    table = bench.markdown_table(bench.read_results(path))
    assert "| stage | 1 k persons | 10 k persons |" in table
    assert "**job with generation**" in table and "1000" not in table.split("\n")[0]


def test_results_csv_gains_new_columns_without_losing_rows(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("run_id,persons,stage,wall_s\nr1,1000,total,5\n")
    bench.append_results(path, _rows("2026-11-26T10:00:00+00:00", 1000, 10.0))
    rows = bench.read_results(path)
    assert list(rows[0]) == bench.COLUMNS
    assert [r["run_id"] for r in rows] == [
        "r1",
        "2026-11-26T10:00:00+00:00-1000",
        "2026-11-26T10:00:00+00:00-1000",
    ]
    assert rows[0]["wall_s"] == "5" and rows[0]["cpu_s"] == ""


def test_disk_warning_when_free_space_is_below_eight_times_the_landing_zone():
    gb = 2**30
    assert bench.disk_warning(free_bytes=70 * gb, landing_bytes=9 * gb) is not None
    assert "needs about 72.0 GB" in bench.disk_warning(free_bytes=20 * gb, landing_bytes=9 * gb)
    assert bench.disk_warning(free_bytes=73 * gb, landing_bytes=9 * gb) is None


def test_failed_nodes_says_what_went_wrong_in_each(tmp_path):

    assert bench.failed_nodes(tmp_path / "run_results.json") == "dbt wrote no run_results.json"
    results = {
        "results": [
            {"unique_id": "model.dtsen.int_persons", "status": "success", "message": "OK"},
            {
                "unique_id": "test.dtsen.assert_x",
                "status": "error",
                "message": "Runtime Error in test assert_x\n  Out of Memory Error: failed to pin block",
            },
            {
                "unique_id": "test.dtsen.unique_y.abc",
                "status": "fail",
                "message": "Got 2 results, configured to fail if != 0",
            },
        ]
    }
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert bench.failed_nodes(tmp_path / "run_results.json") == (
        "assert_x: Out of Memory Error: failed to pin block; abc: Got 2 results, configured to fail if != 0"
    )


def test_dtsen_bench_runs_the_benchmark_of_the_checkout():
    """`dtsen bench` loads benchmarks/bench.py (not part of the package) and hands it every option."""
    shown = subprocess.run(
        [sys.executable, "-m", "dtsen.cli", "bench", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: dtsen bench") and "--next-month" in shown.stdout
    wrong = subprocess.run(
        [sys.executable, "-m", "dtsen.cli", "bench", "--persons", "many"], capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "--persons: invalid int value: 'many'" in wrong.stderr


def test_a_missing_benchmark_names_the_file_it_looked_for():
    with pytest.raises(NoBenchmarks, match=str(BENCHMARKS_DIR / "no_such_benchmark.py")):
        load_benchmark("no_such_benchmark")


def test_next_months_landing_is_read_and_leaves_the_reused_zone_as_generated(tmp_path):
    """`dtsen bench --next-month` writes next month beside the reused landing zone: the
    intake takes both months' deliveries there (no link it must refuse), and the reused
    zone's files are unchanged."""
    from dtsen.generate import generate
    from dtsen.generate.month import next_month
    from dtsen.landing import scan_landing

    landing = tmp_path / "landing"
    generate(persons=300, seed=3, out=landing, truth=tmp_path / "truth")
    before = {path: path.read_bytes() for path in landing.rglob("*") if path.is_file()}
    month_two = tmp_path / "landing-next-month"
    bench.next_month_landing(landing, month_two)
    changes = next_month(month_two, seed=3)
    scanned = scan_landing(month_two, duckdb.connect())
    current = {r.source: r.extract_date.isoformat() for r in scanned if r.status == "current"}
    assert {source: current[source] for source in changes} == {
        source: result["extract_date"] for source, result in changes.items()
    }
    assert {path: path.read_bytes() for path in landing.rglob("*") if path.is_file()} == before
