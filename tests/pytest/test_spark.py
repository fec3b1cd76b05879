"""The project on Spark holds what it holds on DuckDB.

A generated population is built whole (staging, resolution, households, marts and their
tests) on DuckDB and on Spark (dbt-spark, method session, local pyspark: `dtsen intake`
first, then dbt through dtsen.spark_dbt, which runs the Python models in the session).
Two more landing zones (the bad-delivery corpus: refused deliveries, reordered and extra
columns, a truncated last row, ...; and CSV shapes a reader can get wrong) are built up to
staging. Every table must hold the same rows, order aside, values compared as text
(spark_tables.canonical) except floating-point numbers, which agree to 9 significant
digits: Java's logarithm and DuckDB's differ in the last bit, and the PMT fit carries that
into the predicted welfare. Needs .venv-spark (`bash scripts/spark.sh` creates it and runs
this test); marked `spark`, so the ordinary suite deselects it. One more test runs the
pseudonym models' bodies on a local Spark session, without dbt (spark_pseudonyms.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from deliveries import SAMPLE_DATES, csv_file, sample_rows, write_delivery, write_sample_landing
from spark_clusters import key, nik
from spark_tables import canonical_row
from test_bad_deliveries import write_corpus

from dtsen.contract import EXTRACT_SOURCES
from dtsen.generate import generate
from dtsen.project import PROJECT_DIR
from dtsen.pseudonym import PSEUDONYM_HEX_DIGITS, hmac_pads, hmac_sql, key_fingerprint

SPARK_VENV = PROJECT_DIR / ".venv-spark" / "bin"
# The damaged landing zones compare what staging holds; their data tests run in the
# generated build, on both engines, so these builds leave them out (half of their time).
STAGING = ["--select", "+path:models/staging", "--exclude-resource-type", "test", "unit_test"]
SCHEMAS = ["staging", "reference", "intermediate", "marts"]
# Engine-specific by design: the statements that read each file; when the matcher was trained.
ENGINE_COLUMNS = {
    "staging.stg_landing__delivery_files": {"read_sql"},
    "intermediate.int_person_match_model": {"trained_at"},
}
# DuckDB only: dbt-spark snapshots need Delta, Iceberg or Hudi tables.
DUCKDB_ONLY = {"marts.snap_household_eligibility"}
FLOAT_TOLERANCE = 1e-9
# Where Splink's similarity functions for Spark are (scripts/spark.sh hands it to the build).
JAR_FUNCTION = ("splink.backends.spark", "similarity_jar_location")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        not (SPARK_VENV / "dbt").exists(), reason="no .venv-spark (dbt-spark): run `bash scripts/spark.sh`"
    ),
]


def _spark(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", **env},
    )


def build_on_spark(
    landing: Path, work: Path, selection: list[str], **env: str
) -> subprocess.CompletedProcess:
    """The documented command, `scripts/spark.sh build` (`dtsen intake`, then dbt build on
    Spark), in `work` (where Spark keeps its metastore and tables)."""
    return _spark(
        ["bash", str(PROJECT_DIR / "scripts" / "spark.sh"), "build", str(landing), *selection],
        PROJECT_DIR,
        DTSEN_SPARK_DIR=str(work),
        **env,
    )


def arrow_bytes(db: Path, table: str) -> int:
    """The size of `table` of a DuckDB build as an Arrow stream: what toArrow brings to a driver."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        sink = pa.BufferOutputStream()
        rows = con.table(table).to_arrow_table()
        with pa.ipc.new_stream(sink, rows.schema) as writer:
            writer.write_table(rows)
        return sink.getvalue().size
    finally:
        con.close()


def spark_tables(work: Path) -> dict[str, dict]:
    out = work / "tables.json"
    result = _spark(
        [str(SPARK_VENV / "python"), str(Path(__file__).with_name("spark_tables.py")), str(out), *SCHEMAS],
        work,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8"))


def duckdb_tables(db: Path) -> dict[str, dict]:
    con = duckdb.connect(str(db), read_only=True)
    tables = {}
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name)", [SCHEMAS]
    ).fetchall():
        relation = con.table(f"{schema}.{table}")
        tables[f"{schema}.{table}"] = {
            "columns": relation.columns,
            "rows": [canonical_row(relation.columns, row) for row in relation.fetchall()],
        }
    con.close()
    return tables


def _comparable(table: dict, drop: set[str]) -> tuple[list[str], Counter]:
    keep = [i for i, column in enumerate(table["columns"]) if column not in drop]
    return (
        [table["columns"][i] for i in keep],
        Counter(tuple(row[i] for i in keep) for row in table["rows"]),
    )


def _sort_key(row: tuple) -> tuple:
    """Floats rounded far above their last bit, so both engines' rows sort alike."""
    return tuple(
        (1, f"{value:.6g}") if isinstance(value, float) else (0, "" if value is None else value)
        for value in row
    )


def _differences(duck_rows: Counter, spark_rows: Counter) -> list[tuple]:
    """Rows that differ, as (DuckDB row, Spark row) pairs: the same rows, order aside,
    floats equal to FLOAT_TOLERANCE (relative)."""
    if duck_rows == spark_rows:
        return []
    duck, spark = sorted(duck_rows.elements(), key=_sort_key), sorted(spark_rows.elements(), key=_sort_key)
    if len(duck) != len(spark):
        return [(tuple(duck_rows - spark_rows), tuple(spark_rows - duck_rows))]
    return [
        (d, s)
        for d, s in zip(duck, spark)
        if not all(
            a == b
            or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=FLOAT_TOLERANCE))
            for a, b in zip(d, s)
        )
    ]


def _generated(landing: Path) -> None:
    generate(persons=2_000, seed=20261126, out=landing, truth=landing.parent / "truth")


# The whole build runs with the driver capped (spark.driver.maxResultSize) at this share of
# the person records' size, so a model that gathers the population on the driver fails it
# (docs/spark.md). Broadcast joins gather their small side on the driver first: Spark
# broadcasts only what it estimates under a fixed threshold, never a national table, so the
# capped build sets that threshold well below the cap.
CAP_SHARE = 1 / 3
BROADCAST_SHARE = 1 / 8
PERSON_RECORDS = "intermediate.int_person_records"
# On 2,000 persons the default training sample is every record: a smaller one (persons
# holding about this many labelled pairs, about a fifth of them) is a sample under the cap,
# as the default is at national size.
CAPPED_BUILD = ["--vars", "{matcher_training_pairs: 1000}"]


def _csv_shapes(landing: Path) -> None:
    """The sample deliveries, DTKS members (UTF-8 with BOM, `;`) carrying a quoted delimiter,
    quotes and a line break, an empty quoted value, a row with surplus fields (some blank)
    and a short row."""
    write_sample_landing(landing)
    members = sample_rows()["dtks"]["anggota.csv"]
    members[0] = {**members[0], "nama": 'SITI; "NUR"\nAINI'}
    content = csv_file("dtks", "anggota.csv", members).replace(b";2;0;0;0\n", b';2;0;"";0\n')
    surplus = ";".join(
        ["A8", "RT1", "", "", "ADI", "1", "01/02/1990", "1", "", "", "", "0", "x", "", "y", ""]
    )
    content += (surplus + "\nA9;RT1\n").encode()
    write_delivery(
        landing,
        "dtks",
        SAMPLE_DATES["dtks"],
        sample_rows()["dtks"],
        raw={"anggota.csv": content},
        manifest_rows={"anggota.csv": len(members) + 2},
    )


# The generated population is built whole, its driver capped; the damaged deliveries up to staging.
@pytest.fixture(
    scope="module",
    params=[(_generated, CAPPED_BUILD, True), (write_corpus, STAGING, False), (_csv_shapes, STAGING, False)],
    ids=["generated", "bad_deliveries", "csv_shapes"],
)
def both_builds(request, tmp_path_factory, dbt_build):
    write_landing, selection, whole = request.param
    root = tmp_path_factory.mktemp("spark")
    write_landing(root / "landing")
    duck = dbt_build(root / "landing", root / "duckdb" / "warehouse.duckdb", selection)
    assert duck.returncode == 0, duck.stdout[-4000:]
    capped = {}
    if whole:
        records = arrow_bytes(root / "duckdb" / "warehouse.duckdb", PERSON_RECORDS)
        capped = {"records": records, "cap": int(records * CAP_SHARE), "work": root / "spark"}
        print(
            f"{PERSON_RECORDS}: {records} bytes as Arrow; the Spark build's driver capped at "
            f"{capped['cap']} (spark.driver.maxResultSize), broadcasts under "
            f"{int(records * BROADCAST_SHARE)}",
            file=sys.stderr,
        )
    spark = build_on_spark(
        root / "landing",
        root / "spark",
        selection,
        **(
            {
                "DTSEN_SPARK_MAX_RESULT_SIZE": f"{capped['cap']}b",
                "DTSEN_SPARK_BROADCAST_LIMIT": str(int(capped["records"] * BROADCAST_SHARE)),
            }
            if whole
            else {}
        ),
    )
    assert spark.returncode == 0, (spark.stdout + spark.stderr)[-6000:]
    on_duckdb = duckdb_tables(root / "duckdb" / "warehouse.duckdb")
    on_duckdb = {name: table for name, table in on_duckdb.items() if name not in DUCKDB_ONLY}
    return on_duckdb, spark_tables(root / "spark"), whole, capped


def test_every_table_is_the_same_on_spark(both_builds):
    on_duckdb, on_spark, whole, _ = both_builds
    assert sorted(on_spark) == sorted(on_duckdb)
    if whole:  # so a build that stopped at staging cannot pass for the whole project
        assert {
            "intermediate.int_person_match_pairs",
            "marts.fct_household_desil",
            "marts.fct_eligibility",
            "marts.dim_person",
            "marts.mart_targeting_errors_statistical",
        } <= set(on_spark)
        # Every mart has rows, but the field results' marts: this landing zone has none.
        assert all(
            on_spark[name]["rows"]
            for name in on_spark
            if name.startswith("marts.") and not name.startswith("marts.mart_verifikasi_")
        )
    compared = 0
    for name, table in sorted(on_duckdb.items()):
        drop = ENGINE_COLUMNS.get(name, set())
        duck_columns, duck_rows = _comparable(table, drop)
        spark_columns, spark_rows = _comparable(on_spark[name], drop)
        assert spark_columns == duck_columns, name
        differences = _differences(duck_rows, spark_rows)
        assert not differences, (
            f"{name}: {len(differences)} rows differ, e.g. DuckDB / Spark {differences[:2]}"
        )
        compared += sum(duck_rows.values())
    print(f"{len(on_duckdb)} tables, {compared} rows the same on both engines", file=sys.stderr)


def test_spark_stages_or_quarantines_every_delivered_row(both_builds):
    """Each data-row number 1..N of every current file (N from the manifest) is staged or
    quarantined exactly once, per delivery (field results accumulate: several current
    deliveries of one file)."""
    _, on_spark, _, _ = both_builds
    files = on_spark["staging.stg_landing__delivery_files"]
    column = files["columns"].index
    current = {
        (row[column("source")], row[column("file_name")], row[column("extract_date")]): int(
            row[column("manifest_rows")]
        )
        for row in files["rows"]
        if row[column("status")] == "current"
    }
    landed = defaultdict(list)
    for name, table in on_spark.items():
        if name.startswith("staging.stg_") and "source_row_number" in table["columns"]:
            source, file_name, extract_date, row_number = (
                table["columns"].index(c)
                for c in ("source", "source_file", "extract_date", "source_row_number")
            )
            for row in table["rows"]:
                landed[row[source], row[file_name], row[extract_date]].append(int(row[row_number]))
    assert len({(source, file_name) for source, file_name, _ in current if source in EXTRACT_SOURCES}) == 8
    assert set(landed) <= set(current)
    assert {file: sorted(landed[file]) for file in current} == {
        file: list(range(1, rows + 1)) for file, rows in current.items()
    }
    assert len(on_spark["staging.stg_landing__quarantine"]["rows"]) > 0


def test_the_cap_stops_a_gathering_of_the_population(both_builds):
    """The cap the whole build passed under is not vacuous: under it, bringing the person
    records to the driver fails, every way pyspark does it, with Spark's maxResultSize error;
    a small table (the PMT's survey sample) still comes."""
    on_duckdb, _, whole, capped = both_builds
    if not whole:
        pytest.skip("only the whole build is capped")
    assert capped["cap"] < capped["records"]
    out = capped["work"] / "gather.json"
    result = _spark(
        [
            str(SPARK_VENV / "python"),
            str(Path(__file__).with_name("spark_gather.py")),
            str(out),
            str(capped["cap"]),
            PERSON_RECORDS,
            "intermediate.int_pmt_sample",
        ],
        capped["work"],
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(out.read_text(encoding="utf-8"))
    print(
        f"{PERSON_RECORDS} ({len(on_duckdb[PERSON_RECORDS]['rows'])} rows, {capped['records']} bytes "
        f"as Arrow) under a {capped['cap']}-byte cap: {outcome}",
        file=sys.stderr,
    )
    assert outcome.pop("collect of intermediate.int_pmt_sample") is None
    assert set(outcome) == {"collect", "toArrow", "toPandas"}
    for way, error in outcome.items():
        assert error and "bigger than spark.driver.maxResultSize" in error, (way, error)


def test_clusters_on_spark_are_the_duckdb_clusters(tmp_path):
    """Splink's connected components on Spark, with the components that would join two
    register persons resolved strongest first, give cluster_untrusted's clusters: a
    hand-made graph (conflicts, ties, a link below the threshold, a lone record) and a
    random one where most components hold several register NIKs."""
    jar = subprocess.run(
        [
            str(SPARK_VENV / "python"),
            "-c",
            f"from {JAR_FUNCTION[0]} import {JAR_FUNCTION[1]} as j; print(j())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    out = tmp_path / "clusters.json"
    result = _spark(
        [
            str(SPARK_VENV / "python"),
            str(Path(__file__).with_name("spark_clusters.py")),
            str(out),
            str(tmp_path / "checkpoints"),
            jar,
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    graphs = json.loads(out.read_text(encoding="utf-8"))
    for name, clusters in graphs.items():
        assert clusters["spark"] == clusters["duckdb"], name
    handmade = {row["record_key"]: row for row in graphs["handmade"]["spark"]}
    names = {key(f"u{i}"): f"u{i}" for i in range(1, 10)}
    assert {
        names[record]: (row["resolved_nik"], names[row["cluster_key"]]) for record, row in handmade.items()
    } == {
        "u1": (nik("A"), "u1"),
        "u2": (nik("B"), "u2"),
        "u3": (nik("A"), "u1"),
        "u4": (nik("C"), "u4"),
        "u5": (nik("C"), "u4"),
        "u6": (None, "u6"),
        "u7": (None, "u6"),
        "u8": (None, "u6"),
        "u9": (None, "u9"),
    }
    u3, u9 = handmade[key("u3")], handmade[key("u9")]
    assert (u3["match_probability"], u3["blocking_rule"]) == (0.9, "name_birth_date")
    assert u9["match_probability"] is None
    assert len({row["resolved_nik"] for row in graphs["random"]["spark"]} - {None}) > 5
    assert not any((tmp_path / "checkpoints").rglob("__splink__*")), "Splink's working tables left behind"


# Test keys, not secrets: 64 bytes (one SHA-256 block, used as it is) and 100 (hashed first).
SPARK_TEST_KEYS = ["5a" * 32, "c0ffee" * 16 + "ab" * 2]
SPARK_TEST_IDENTIFIERS = [
    "3171014501900001",
    "3275120312880004",
    "",
    "Siti Aminah é 漢字 🙂",
    "dukcapil/RT000000005244/" + "x" * 80,  # longer than a block
    None,
]


def test_pseudonyms_are_spark_sql_equal_to_python_hmac_and_duckdb(tmp_path):
    """dtsen.pseudonym's model bodies on a local Spark session (no dbt build): computed in
    Spark from the identifiers' own files, equal to Python's HMAC and to DuckDB's hmac_sql
    hex digit for hex digit, NULL for NULL, the previous key's too during a rotation, and
    the key's pads nowhere in the event log."""
    given = tmp_path / "in.json"
    given.write_text(json.dumps({"keys": SPARK_TEST_KEYS, "identifiers": SPARK_TEST_IDENTIFIERS}))
    (tmp_path / "events").mkdir()
    result = _spark(
        [
            str(SPARK_VENV / "python"),
            str(Path(__file__).with_name("spark_pseudonyms.py")),
            str(given),
            str(tmp_path / "out.json"),
            str(tmp_path / "events"),
        ],
        tmp_path,
        PYTHONPATH=str(PROJECT_DIR),  # this checkout's dtsen, whichever one .venv-spark installed
    )
    assert result.returncode == 0, result.stderr[-4000:]
    on_spark = json.loads((tmp_path / "out.json").read_text())
    events = "".join(
        path.read_text(errors="replace") for path in (tmp_path / "events").rglob("*") if path.is_file()
    ).lower()
    assert "sqlexecutionstart" in events, "the Spark session wrote no event log of its queries"
    on_duckdb = {}
    for text in SPARK_TEST_KEYS:
        con = duckdb.connect()
        con.execute("create table ids (identifier varchar)")
        con.executemany("insert into ids values (?)", [[value] for value in SPARK_TEST_IDENTIFIERS])
        query = f"select identifier, {hmac_sql('identifier')} from ids"
        on_duckdb[text] = dict(con.execute(query, hmac_pads(text.encode())).fetchall())
        con.close()
    for text, old_text in zip(SPARK_TEST_KEYS, SPARK_TEST_KEYS[1:] + SPARK_TEST_KEYS[:1]):
        key, duck, old_duck = text.encode(), on_duckdb[text], on_duckdb[old_text]
        spark = on_spark[text]
        assert spark["columns"] == ["identifier", "pseudonym", "previous_pseudonym"]
        assert any("/identifiers/" in file for file in spark["input_files"]), spark["input_files"]
        assert spark["fingerprint"] == [[key_fingerprint(key), None]]
        python = {
            value: None if value is None else hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            for value in SPARK_TEST_IDENTIFIERS
        }
        assert sorted(spark["rows"], key=str) == sorted(
            ([value, duck[value], None] for value in SPARK_TEST_IDENTIFIERS), key=str
        )
        assert sorted(spark["rotated"], key=str) == sorted(
            ([value, duck[value], old_duck[value]] for value in SPARK_TEST_IDENTIFIERS), key=str
        )
        assert {value: duck[value] for value in python} == {
            value: None if digest is None else digest[:PSEUDONYM_HEX_DIGITS]
            for value, digest in python.items()
        }
        # Spark prints a binary literal as hex; JSON may carry bytes as base64 or signed numbers.
        for pad in hmac_pads(key).values():
            signed = ",".join(str(byte - 256 if byte > 127 else byte) for byte in pad[:8])
            for shown in (pad.hex(), base64.b64encode(pad).decode(), signed):
                assert shown.lower() not in events
