"""Identity resolution (int_person_* models) on a generated population, scored against the
generator's truth; the clustering guard on its own; person ids stable across builds."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from conftest import GENERATED_PERSONS as PERSONS

from dtsen import resolution
from dtsen.evaluate import attach_truth, resolution_scores
from dtsen.project import run_dbt
from dtsen.resolution import cluster_untrusted


def _read(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def scores(generated_build):
    return {row[0]: row for row in resolution_scores(generated_build[0])}


def test_records_with_a_valid_nik_are_resolved(scores):
    _, records, true_pairs, _, _, precision, recall, f1 = scores["valid NIK"]
    assert records > PERSONS and true_pairs > PERSONS
    assert precision >= 0.99 and recall >= 0.99 and f1 >= 0.99


def test_records_without_a_usable_nik_are_resolved(scores):
    _, records, true_pairs, _, _, _precision, _recall, f1 = scores["NIK missing or damaged"]
    assert records > 200 and true_pairs > 200
    assert f1 >= 0.95, scores["NIK missing or damaged"]


def test_all_records(scores):
    assert scores["all records"][-1] >= 0.99


def test_every_link_rule_is_used(generated_build):
    con = generated_build[0]
    rules = dict(
        con.sql("select link_rule, count(*) from intermediate.int_person_identity group by all").fetchall()
    )
    # unique_in_province decides few records, and a small population may hold none
    assert set(rules) - {"unique_in_province"} == {"register", "nik_register", "probabilistic", "none"}
    contradicted = con.sql(
        "select count(*) from intermediate.int_person_nik_links where nik_link = 'contradicted'"
    ).fetchall()
    assert contradicted[0][0] > 0, "the generator gives some records the NIK of another person"


def test_person_ids_are_the_same_when_resolution_runs_again(generated_build, dbt_build):
    _, _, root = generated_build
    db = root / "rerun" / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copyfile(root / "warehouse.duckdb", db)
    sql = "select record_key, person_id from intermediate.int_person_identity order by record_key"
    before = _read(db, sql)
    result = dbt_build(root / "landing", db, ["--select", "int_person_match_pairs+"])
    assert result.returncode == 0, result.stdout[-4000:]
    assert _read(db, sql) == before


def test_the_matcher_trains_on_a_sample_of_whole_persons(generated_build, monkeypatch):
    """Wanting a tenth of the population's pairs sharing a trusted NIK, training takes about
    a tenth of the persons, every record of each; its prior is Splink's estimate on every
    record, and its m still tells matches apart."""
    from splink import DuckDBAPI, Linker

    _, _, root = generated_build
    con = duckdb.connect()
    con.execute(f"attach '{root / 'warehouse.duckdb'}' as w (read_only)")
    input_sql = resolution.matching_input_sql(
        "w.intermediate.int_person_match_features", "w.intermediate.int_person_nik_links"
    )
    records, nik_pairs = resolution._nik_pair_counts(con, input_sql)
    monkeypatch.setattr(resolution, "MAX_LABEL_PAIRS", nik_pairs // (10 * resolution.TRAINING_SAMPLE_PAIRS))
    sample = resolution._in_training_sample(nik_pairs)
    split_persons = con.sql(f"""
        select count(*) from (select trusted_nik from ({input_sql}) where trusted_nik is not null
                              group by all having count(*) filter (where {sample}) not in (0, count(*)))
    """).fetchall()[0][0]
    assert split_persons == 0

    model, trained_on = resolution.train_matcher(con, input_sql)
    assert 0.07 * records < trained_on < 0.13 * records, (trained_on, records)
    con.execute(f"create table everyone as {input_sql}")
    everyone = DuckDBAPI(connection=con).register(
        con.sql("select * from everyone"), table_name="everyone_view"
    )
    full = Linker(everyone, resolution.splink_settings())
    full.training.estimate_probability_two_random_records_match(
        ["l.trusted_nik = r.trusted_nik"], recall=resolution.PRIOR_RECALL
    )
    trained = json.loads(model)
    assert trained["probability_two_random_records_match"] == pytest.approx(
        full.misc.save_model_to_json()["probability_two_random_records_match"], rel=1e-12
    )
    name_levels = {
        level.get("label_for_charts"): level for level in trained["comparisons"][0]["comparison_levels"]
    }
    exact = name_levels["Exact match on name_key"]
    assert exact["m_probability"] > 0.9 and exact["u_probability"] < 0.01
    con.close()


def _guard_fails_after_each_change(root, test, folder, changes):
    """The dbt test `test` passes on a copy of the generated build, then finds one row after
    each of `changes` (SQL run in turn on the copy, each on a connection of its own)."""
    db = root / folder / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copyfile(root / "warehouse.duckdb", db)
    select = ["--select", test]
    assert run_dbt("test", root / "landing", db, select, isolated=True, capture=True).returncode == 0
    for change in changes:
        con = duckdb.connect(str(db))
        try:
            con.execute(change)
        finally:
            con.close()
        result = run_dbt("test", root / "landing", db, select, isolated=True, capture=True)
        assert result.returncode == 1 and "Got 1 result" in result.stdout, result.stdout[-2000:]


def test_the_guard_test_finds_two_register_persons_chained(generated_build):
    """assert_no_person_with_two_register_niks passes on the build, and fails once two
    register records of different NIKs are given one person (and so two resolved NIKs)."""
    _, _, root = generated_build
    _guard_fails_after_each_change(
        root,
        "assert_no_person_with_two_register_niks",
        "chained",
        [
            """
        create temp table register_records as
        select record_key, person_id from intermediate.int_person_identity
        where source = 'dukcapil' and resolved_nik is not null;
        update intermediate.int_person_identity
        set person_id = (select min(person_id) from register_records)
        where record_key = (select max(record_key) from register_records
                            where person_id <> (select min(person_id) from register_records))"""
        ],
    )


def test_the_identity_test_finds_a_stray_or_a_missing_identity(generated_build):
    """assert_every_person_record_has_one_identity passes on the build; it fails on an
    identity row of no record (the row counts differ) and on a record without identity
    (the anti-join), even when the two balance each other's count."""
    _, _, root = generated_build
    _guard_fails_after_each_change(
        root,
        "assert_every_person_record_has_one_identity",
        "stray",
        [
            # A key no record has, above them all: the next change deletes the smallest key.
            """insert into intermediate.int_person_identity
           select * replace (9223372036854775807 as record_key)
           from intermediate.int_person_identity limit 1""",
            """delete from intermediate.int_person_identity
           where record_key = (select min(record_key) from intermediate.int_person_identity)""",
        ],
    )


# Record keys are BIGINTs at or above 2^59 (macros/staging.sql person_record_key), NIKs below 10^16.
A, B, C, D, E = (2**59 + n for n in range(1, 6))
NIK_1, NIK_2 = 3171010101900001, 3171010101900002


def test_clusters_never_join_two_register_persons():
    # a and b both look like register persons 1 and 2; the chain a-b would join them.
    edges = [
        (0.99, A, NIK_1, "r"),
        (0.95, B, NIK_2, "r"),
        (0.97, A, B, "r"),
        (0.92, B, NIK_1, "r"),
        (0.91, C, D, "r"),
    ]
    rows = {row["record_key"]: row for row in cluster_untrusted([A, B, C, D, E], edges).to_pylist()}
    # strongest first: a-nik 1 (0.99), a-b (0.97) puts b with person 1, b-nik 2 is refused.
    assert rows[A]["resolved_nik"] == rows[B]["resolved_nik"] == str(NIK_1)
    assert rows[B]["match_probability"] == 0.97
    assert rows[C]["resolved_nik"] is None and rows[C]["cluster_key"] == rows[D]["cluster_key"] == C
    assert rows[E]["cluster_key"] == E and rows[E]["match_probability"] is None


def test_equally_strong_links_to_one_register_person_give_one_answer():
    # Record a links to two records of register NIK 1 (one node) by different rules, equally strongly.
    edges = [(0.99, A, NIK_1, "village_name"), (0.99, A, NIK_1, "name_birth_date")]
    results = {
        cluster_untrusted([A], order).to_pylist()[0]["blocking_rule"] for order in (edges, edges[::-1])
    }
    assert results == {"name_birth_date"}


def _made_up_scores(tmp_path, fictitious_ids: tuple | None) -> tuple:
    """'all records' of resolution_scores for two records resolved as one person, both of a
    made-up person (truth person_id NULL) listed twice; fictitious_ids: their truth's
    fictitious_person_id, None for a truth folder written before it existed."""
    truth = tmp_path / "truth"
    truth.mkdir(parents=True)
    for name in ("household_records", "persons", "families"):
        duckdb.sql(f"copy (select 1 as id) to '{truth / name}.parquet'")
    ids = "" if fictitious_ids is None else ", fictitious_person_id"
    rows = ", ".join(
        f"('dtks', 'a', {row}, null::bigint, []::varchar[], null::varchar"
        + ("" if fictitious_ids is None else f", {fictitious_id}::bigint")
        + ")"
        for row, fictitious_id in enumerate(fictitious_ids or (None, None), start=1)
    )
    duckdb.sql(f"""copy (select * from (values {rows})
                   as t(source, file, row_number, person_id, errors, nik_damage{ids}))
                   to '{truth / "records.parquet"}'""")
    con = duckdb.connect()
    con.execute("""create table records as select * from (values
        ((1::bigint << 60) + 1, 'dtks', 'a', 1, 'valid', '3171011003850099'),
        ((1::bigint << 60) + 2, 'dtks', 'a', 2, 'valid', '3171011003850099'))
        as r(record_key, source, source_file, source_row_number, nik_status, nik_clean)""")
    con.execute("create table identity as select record_key, 3171011003850099 as person_id from records")
    attach_truth(con, truth)
    return next(row for row in resolution_scores(con, "identity", "records") if row[0] == "all records")


def test_a_made_up_person_listed_twice_is_one_person_in_the_truth(tmp_path):
    """The generator's made-up person may be listed twice (a duplicate row): linking the two
    rows is right. The truth gives both one fictitious_person_id; a truth folder without the
    column still scores, each made-up record a person of its own."""
    _, records, true_pairs, predicted, hits, _, _, f1 = _made_up_scores(tmp_path / "new", (7, 7))
    assert (records, true_pairs, predicted, hits, f1) == (2, 1, 1, 1, 1.0)
    _, _, true_pairs, predicted, hits, precision, _, _ = _made_up_scores(tmp_path / "old", None)
    assert (true_pairs, predicted, hits, precision) == (0, 1, 0, 0.0)
