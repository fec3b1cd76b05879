"""Probabilistic identity resolution (Fellegi-Sunter) for records without a trusted NIK.

`splink_match_pairs` runs the model with Splink 5 on an open DuckDB connection (model
`int_person_match_pairs`). The same comparisons, blocking and training written by hand in
DuckDB SQL are a benchmark's (benchmarks/resolution_sql.py), not the package's.

Input (a SQL query, one row per staged person record): record_key, name_key, name_words
(sorted list of the name's words before a patronymic), name_last_word (the last of them),
name_sorted, birth_date, birth_year, sex, village, no_kk (the family card the record is listed
under), nik (the record's well-formed NIK, NULL when missing, damaged or contradicted by the
register person it names), is_nik_trusted, trusted_nik (the register NIK the record is linked to
exactly, else NULL).

Model:

* Candidate pairs: at least one side without a trusted NIK (two records with trusted NIKs
  are already decided by the NIK), found by any of six blocking rules: same village, birth
  year and first letter of the name; same village and birth date; same village and name;
  same village, birth year and alphabetically last word of the name;
  same name and birth date (for records without a birth date, and for records whose village
  changed); same family card.
* Comparisons: name (exact with term-frequency adjustment, the same given names with a
  patronymic (BIN/BINTI and the father's name) on one side only, same words in another order,
  Jaro-Winkler >= 0.92, one letter edited or transposed (Damerau-Levenshtein <= 1), one
  name's words within the other's, Jaro-Winkler >= 0.80, a word in common), birth date
  (exact, within a month, day and month swapped, the same year with one date a placeholder
  (1 January, 1 July, 31 December), within a year), sex, village (same, or another one on
  the same family card),
  NIK (equal, one transposition or one digit apart, different; m and u fixed, see NIK_LEVELS).
* m: from pairs of records sharing a trusted NIK (free labels: the civil register vouches
  for them); u: from random record pairs; both on a sample of persons (TRAINING_SAMPLE_PAIRS).
  Prior: from the share of all record pairs sharing a trusted NIK.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pyarrow as pa

from dtsen.project import PROJECT_DIR

# name -> SQL condition (without the "at least one side untrusted" part).
# A village's records of one birth year grow with the population (the villages do not), so
# that block also needs the name's first letter; the same village and birth date catches a
# misspelt first letter. The plain village-and-year block makes Splink's pairs grow
# quadratically with the population.
BLOCKING_RULES = {
    "village_birth_year_initial": (
        "l.village = r.village and l.birth_year = r.birth_year"
        " and substr(l.name_key, 1, 1) = substr(r.name_key, 1, 1)"
    ),
    "village_birth_date": "l.village = r.village and l.birth_date = r.birth_date",
    "village_name": "l.village = r.village and l.name_key = r.name_key",
    # The alphabetically last word of the name: the same key when the words change order
    # (TATI KOMALASARI / KOMALASARI TATI) or the first letter is lost (HERMANUS / ERMANUS
    # KURNIAWAN) while the birth date changed too, which the rules above all need unchanged.
    "village_birth_year_last_word": (
        "l.village = r.village and l.birth_year = r.birth_year and l.name_last_word = r.name_last_word"
    ),
    "name_birth_date": "l.name_key = r.name_key and l.birth_date = r.birth_date",
    # A family card's members, wherever each record places them: a family listed again in
    # another regency, a member whose village was not written. A card's records do not grow
    # with the population.
    "family_card": "l.no_kk = r.no_kk",
}
UNTRUSTED_SIDE = "(not l.is_nik_trusted or not r.is_nik_trusted)"

# Records paired with the register record of their trusted NIK, at most this many, to estimate m.
MAX_LABEL_PAIRS = 300_000
# m and u are trained on a sample of persons (the records of a trusted NIK together, a
# record without one alone) expected to hold this many times MAX_LABEL_PAIRS pairs. Training
# on every record would copy the whole population into Splink's workspace to use 300 k
# pairs of it and 2,000 records for u.
TRAINING_SAMPLE_PAIRS = 2
U_MAX_PAIRS = 2e6
# The share of true pairs the trusted-NIK rule is assumed to find, for the prior.
PRIOR_RECALL = 0.95
# Pairs scored below this are not kept at all (the build's link threshold is a dbt var).
KEEP_FLOOR = 0.01

# Splink's working schemas in the build's database (and scratch folders beside it).
TRAIN_SCHEMA, SCORE_SCHEMA = "splink_train", "splink_work"
# The dbt code the matcher's input is made by (folders: every .sql file in them).
MATCHER_INPUT_CODE = (
    "macros",
    "models/staging",
    "models/intermediate/identity/int_person_records.sql",
    "models/intermediate/identity/int_person_nik_links.sql",
    "models/intermediate/identity/int_person_match_features.sql",
)

SCHEMA = pa.schema(
    [
        ("record_key_l", pa.int64()),
        ("record_key_r", pa.int64()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("blocking_rule", pa.string()),
        ("mw_name", pa.float64()),
        ("mw_tf_adj_name", pa.float64()),
        ("mw_birth_date", pa.float64()),
        ("mw_sex", pa.float64()),
        ("mw_village", pa.float64()),
        ("mw_nik", pa.float64()),
    ]
)


def matching_input_sql(features: str, links: str) -> str:
    """The records the model scores: int_person_match_features joined to
    int_person_nik_links, given as table names or parenthesised queries."""
    return f"""
        select f.record_key, f.name_key, f.name_words, f.name_last_word, f.name_sorted, f.birth_date,
               f.birth_year,
               f.sex, f.village, f.no_kk, l.is_nik_trusted,
               case when l.is_nik_trusted then l.register_nik end as trusted_nik,
               -- The NIK of another register person (a spouse under the head's NIK) says
               -- nothing about who the record is: it is compared as unknown.
               case when l.nik_link <> 'contradicted' then f.nik_clean end as nik
        from {features} as f
        join {links} as l on l.record_key = f.record_key
    """


def _nik_pair_counts(con: duckdb.DuckDBPyConnection, input_sql: str) -> tuple[int, int]:
    """The records of `input_sql`, and the pairs of them sharing a trusted NIK."""
    records, pairs = con.sql(f"""
        select coalesce(sum(n), 0), coalesce(sum(n * (n - 1) // 2) filter (where trusted_nik is not null), 0)
        from (select trusted_nik, count(*) as n from ({input_sql}) group by trusted_nik)
    """).fetchall()[0]
    return int(records), int(pairs)


def _prior(records: int, nik_pairs: int) -> float:
    """The probability that two random records match: pairs sharing a trusted NIK, over the
    recall assumed for that rule, over all pairs (Splink's
    estimate_probability_two_random_records_match, computed on every record, not the sample)."""
    return (nik_pairs / PRIOR_RECALL) / (records * (records - 1) / 2)


def _in_training_sample(nik_pairs: int, training_pairs: int | None = None) -> str:
    """The condition on a matching-input row of being in the training sample: a deterministic
    share of persons (by trusted NIK, else by record) that holds about `training_pairs`
    (default TRAINING_SAMPLE_PAIRS times MAX_LABEL_PAIRS) pairs; every record when there are
    fewer. The same SQL on DuckDB and Spark (md5's hex digits compared as text), so both
    engines train on the same persons."""
    if training_pairs is None:
        training_pairs = TRAINING_SAMPLE_PAIRS * MAX_LABEL_PAIRS
    share = min(1.0, training_pairs / max(nik_pairs, 1))
    if share >= 1:
        return "true"
    return (
        f"left(md5(coalesce(trusted_nik, cast(record_key as string)) || 'train'), 8)"
        f" < '{int(share * 16**8):08x}'"
    )


def _labels_sql(table: str) -> str:
    """Pairs (register record, other record) sharing a trusted NIK, a deterministic sample."""
    return f"""
        select l.record_key as record_key_l, r.record_key as record_key_r
        from {table} as l
        join {table} as r on l.trusted_nik = r.trusted_nik and l.record_key < r.record_key
        where l.trusted_nik is not null
        order by hash(l.record_key, r.record_key), l.record_key, r.record_key
        limit {MAX_LABEL_PAIRS}
    """


# The NIK comparison's m and u, fixed: m cannot be learnt from pairs labelled by sharing a
# trusted NIK (all of them agree exactly), nor u of the rare near-equal NIKs from a random
# sample. m: of the pairs of records of one person that are scored (at least one side
# without a trusted NIK) and both carry a well-formed NIK, about as many share an unknown NIK
# as differ by a mistyped or transposed digit, and few differ by more (two mistakes);
# u: two persons' NIKs are equal or one edit apart very rarely (twins registered together).
# A different NIK thus counts against a merge (about -4.3 in match weight), an equal or near
# one for it.
NIK_LEVELS = {"exact": (0.45, 1e-6), "one_edit": (0.50, 1e-5), "different": (0.05, 1 - 1.1e-5)}

# u of "same family card, other village", fixed: two persons' records share a card in two
# villages so rarely that a random sample of U_MAX_PAIRS pairs holds none (Splink then falls
# back to a default u and the level weighs against a link). The share of all record pairs on
# one card shrinks as the population grows (about 3e-5 of pairs at 100,000 persons, 1e-8
# nationally), and a card in two villages is a small part of those: 1e-6 is an upper bound,
# so the level's weight errs low. m is trained, like the other village levels.
CARD_OTHER_VILLAGE_U = 1e-6


# A name carries a patronymic: BIN or BINTI and the father's name after the given names, as
# int_person_match_features cuts it off for name_words. LIKE and list equality read the same in
# DuckDB and Spark SQL, so the level is written once.
def _has_patronymic(side: str) -> str:
    return f"(name_key_{side} like '% BIN %' or name_key_{side} like '% BINTI %')"


GIVEN_NAMES_ONE_PATRONYMIC = (
    f"name_words_l = name_words_r and {_has_patronymic('l')} <> {_has_patronymic('r')}"
)


# The comparison SQL the engines write differently, DuckDB's and Spark's (Splink's Spark backend;
# dtsen.resolution_spark): two lists' words, and days between two dates.
DIALECT_SQL = {
    "duckdb": {
        "words_within": (
            "list_has_all(name_words_l, name_words_r) or list_has_all(name_words_r, name_words_l)"
        ),
        "word_in_common": "len(list_intersect(name_words_l, name_words_r)) > 0",
        "days_apart": "abs(birth_date_l - birth_date_r)",
    },
    "spark": {
        "words_within": (
            "size(array_except(name_words_r, name_words_l)) = 0"
            " or size(array_except(name_words_l, name_words_r)) = 0"
        ),
        "word_in_common": "size(array_intersect(name_words_l, name_words_r)) > 0",
        "days_apart": "abs(datediff(birth_date_l, birth_date_r))",
    },
}


def splink_settings(dialect: str = "duckdb"):
    """The model's settings (comparisons, blocking rules), one definition for both engines:
    only the SQL of DIALECT_SQL differs."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    sql = DIALECT_SQL[dialect]
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
            # One record names the father after BIN/BINTI, the other does not (a child listed
            # by a social registry and by the civil register): the given names are the name.
            cll.CustomLevel(GIVEN_NAMES_ONE_PATRONYMIC, "same given names, one with a patronymic"),
            cll.ExactMatchLevel("name_sorted").configure(label_for_charts="same words, other order"),
            cll.JaroWinklerLevel("name_key", 0.92),
            # One transposed, dropped or mistyped letter: Jaro sees none in a name of two or
            # three letters (its match window is empty: SRI and SIR score like strangers).
            cll.DamerauLevenshteinLevel("name_key", 1),
            cll.CustomLevel(sql["words_within"], "one name's words within the other's"),
            cll.JaroWinklerLevel("name_key", 0.80),
            cll.CustomLevel(sql["word_in_common"], "a word in common"),
            cll.ElseLevel(),
        ],
    )
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(f"{sql['days_apart']} <= 31", "within a month"),
            cll.CustomLevel(
                "year(birth_date_l) = year(birth_date_r) and month(birth_date_l) = day(birth_date_r) "
                "and day(birth_date_l) = month(birth_date_r)",
                "day and month swapped",
            ),
            # A date written when only the year was known (1 January, 1 July, 31 December).
            cll.CustomLevel(
                "year(birth_date_l) = year(birth_date_r) and ("
                "month(birth_date_l) * 100 + day(birth_date_l) in (101, 701, 1231) "
                "or month(birth_date_r) * 100 + day(birth_date_r) in (101, 701, 1231))",
                "same year, one date a placeholder",
            ),
            cll.CustomLevel(f"{sql['days_apart']} <= 366", "within a year"),
            cll.ElseLevel(),
        ],
    )
    village = cl.CustomComparison(
        output_column_name="village",
        comparison_levels=[
            cll.NullLevel("village"),
            cll.ExactMatchLevel("village"),
            # One family card in two villages: a family registered again where it moved, or
            # listed by one source in a second regency.
            cll.CustomLevel("no_kk_l = no_kk_r", "same family card, other village").configure(
                u_probability=CARD_OTHER_VILLAGE_U, fix_u_probability=True
            ),
            cll.ElseLevel(),
        ],
    )
    nik_levels = [cll.ExactMatchLevel("nik"), cll.DamerauLevenshteinLevel("nik", 1), cll.ElseLevel()]
    nik = cl.CustomComparison(
        output_column_name="nik",
        comparison_levels=[
            cll.NullLevel("nik"),
            *(
                level.configure(
                    m_probability=m, u_probability=u, fix_m_probability=True, fix_u_probability=True
                )
                for level, (m, u) in zip(nik_levels, NIK_LEVELS.values(), strict=True)
            ),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_key",
        comparisons=[name, birth_date, cl.ExactMatch("sex"), village, nik],
        blocking_rules_to_generate_predictions=[
            f"{sql} and {UNTRUSTED_SIDE}" for sql in BLOCKING_RULES.values()
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def _database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file of `con`'s current database; None for an in-memory one."""
    return con.sql("select path from duckdb_databases() where database_name = current_database()").fetchall()[
        0
    ][0]


def _scratch_folder(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """A fresh folder for Splink's Parquet files beside the database file: they hold names,
    birth dates and raw NIKs, so they stay where the working database (restricted) is, not
    in a shared temporary folder. An in-memory database gets a temporary folder."""
    path = _database_path(con)
    if not path:
        return tempfile.mkdtemp(prefix="dtsen_splink_")
    folder = Path(path).with_name(f"{Path(path).name}.{name}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return str(folder)


def _candidates_sql(table: str, semi_join: str = "semi join") -> str:
    """The records a candidate pair can involve: those without a trusted NIK, and those that
    share a blocking key with one. Splink blocks on its input as a whole and drops pairs
    of two trusted records only after joining them, and on a large population that join over
    every record would be most of the resolution's time. (Spark writes `left semi join`.)"""
    untrusted = f"select * from {table} where not is_nik_trusted"
    shares_a_key = [
        f"select l.record_key from {table} as l {semi_join} ({untrusted}) as r on {rule}"
        for rule in BLOCKING_RULES.values()
    ]
    return f"""
        select * from {table}
        where not is_nik_trusted or record_key in ({" union ".join(shares_a_key)})
    """


def _input_code() -> dict[str, str]:
    """sha256 of every file of the code that makes the matcher's input, by path."""
    files = sorted(
        path
        for name in MATCHER_INPUT_CODE
        for path in ([PROJECT_DIR / name] if name.endswith(".sql") else (PROJECT_DIR / name).rglob("*.sql"))
    )
    return {
        str(path.relative_to(PROJECT_DIR)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files
    }


def matcher_fingerprint(training_pairs: int | None = None) -> str:
    """What a trained matcher depends on besides the data: the model's settings (comparisons,
    blocking rules), how it is trained, the Splink version, and the code that makes its
    input (a change in how names are cleaned changes what m and u describe). A kept matcher
    whose fingerprint differs from the code's is retrained."""
    import splink

    settings = splink_settings().create_settings_dict("duckdb")
    settings.pop("linker_uid", None)
    training = {
        "max_label_pairs": MAX_LABEL_PAIRS,
        "u_max_pairs": U_MAX_PAIRS,
        "prior_recall": PRIOR_RECALL,
        "training_sample_pairs": TRAINING_SAMPLE_PAIRS,
        "training_pairs": training_pairs,
        "sample": _in_training_sample(2**62, 1),
        "splink": splink.__version__,
    }
    return hashlib.sha256(
        json.dumps([settings, training, _input_code()], sort_keys=True).encode()
    ).hexdigest()


def _clear_leftovers(con: duckdb.DuckDBPyConnection) -> None:
    """Remove what a killed build's training or scoring left: Splink's schemas (views over
    Parquet files that hold names, birth dates and raw NIKs) and their scratch folders. Only
    one build writes a database at a time, and it trains before it scores, so nothing here
    belongs to a running step."""
    for schema in (TRAIN_SCHEMA, SCORE_SCHEMA):
        con.execute(f"drop schema if exists {schema} cascade")
    path = _database_path(con)
    if path:
        for schema in (TRAIN_SCHEMA, SCORE_SCHEMA):
            shutil.rmtree(Path(path).with_name(f"{Path(path).name}.{schema}"), ignore_errors=True)


@contextmanager
def _splink_workspace(con: duckdb.DuckDBPyConnection, input_sql: str, work_schema: str):
    """Splink's database API on `con`, with the matching input as `work_schema`.match_input.
    Splink's working tables live in `work_schema` (Parquet files in a scratch folder behind
    it, so the database file does not grow); both are removed on leaving."""
    from splink import DuckDBAPI

    _clear_leftovers(con)
    workdir = _scratch_folder(con, work_schema)
    con.execute(f"create schema if not exists {work_schema}")
    registered: list[str] = []

    def register(sql: str, name: str):
        registered.append(name)
        return db_api.register(con.sql(sql), table_name=name)

    try:
        con.execute(f"create or replace table {work_schema}.match_input as {input_sql}")
        db_api = DuckDBAPI(
            connection=con, output_schema=work_schema, materialisation="parquet", materialisation_dir=workdir
        )
        yield db_api, register
    finally:
        for view in registered:  # on this connection
            with suppress(duckdb.Error):
                con.unregister(view)
        con.execute(f"drop schema if exists {work_schema} cascade")
        shutil.rmtree(workdir, ignore_errors=True)


def train_matcher(
    con: duckdb.DuckDBPyConnection,
    input_sql: str,
    work_schema: str = TRAIN_SCHEMA,
    timings: dict | None = None,
    training_pairs: int | None = None,
) -> tuple[str, int]:
    """Train the model on a sample of the records of `input_sql` (m from pairs sharing a
    trusted NIK, u from random pairs; the prior from the share of all pairs sharing a
    trusted NIK); returns it as Splink's model JSON, and how many records it was trained on."""
    timings = timings if timings is not None else {}
    t = time.perf_counter()
    records, nik_pairs = _nik_pair_counts(con, input_sql)
    timings["prior_s"] = time.perf_counter() - t
    sample_sql = f"select * from ({input_sql}) where {_in_training_sample(nik_pairs, training_pairs)}"
    return train_on_sample(con, sample_sql, _prior(records, nik_pairs), work_schema, timings)


def train_on_sample(
    con: duckdb.DuckDBPyConnection,
    sample_sql: str,
    prior: float,
    work_schema: str = TRAIN_SCHEMA,
    timings: dict | None = None,
) -> tuple[str, int]:
    """m and u trained on the records of `sample_sql` (the training sample), with the given
    prior; the model as Splink's model JSON, and how many records it was trained on."""
    from splink import Linker

    timings = timings if timings is not None else {}
    settings = splink_settings()
    settings.probability_two_random_records_match = prior
    with _splink_workspace(con, sample_sql, work_schema) as (_, register):
        con.execute(
            f"create or replace table {work_schema}.match_labels as "
            f"{_labels_sql(work_schema + '.match_input')}"
        )
        sample = register(f"select * from {work_schema}.match_input", "splink_match_input")
        linker = Linker(sample, settings, log_level=logging.WARNING)
        t = time.perf_counter()
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
        timings["u_s"] = time.perf_counter() - t
        t = time.perf_counter()
        labels = register(f"select * from {work_schema}.match_labels", "splink_match_labels")
        linker.training.estimate_m_from_pairwise_labels(labels)
        timings["m_s"] = time.perf_counter() - t
        model = linker.misc.save_model_to_json()
        model.pop("linker_uid", None)  # a random name of this Linker, not part of the model
        model = json.dumps(model, sort_keys=True)
        linker.table_management.delete_tables_created_by_splink_from_db()
        trained_on = con.sql(f"select count(*) from {work_schema}.match_input").fetchall()[0][0]
    return model, trained_on


def splink_match_pairs(
    con: duckdb.DuckDBPyConnection,
    input_sql: str,
    model: str | None = None,
    work_schema: str = SCORE_SCHEMA,
    timings: dict | None = None,
) -> pa.Table:
    """Score candidate pairs of the records of `input_sql` with a trained model (Splink's
    model JSON; trained on these records first if None); returns the pairs as an Arrow table.
    The name frequencies are those of all records; only the records a candidate pair can
    involve are scored, which gives the same pairs and weights as scoring all of them."""
    from splink import Linker

    timings = timings if timings is not None else {}
    started = time.perf_counter()
    if model is None:
        model, _ = train_matcher(con, input_sql, timings=timings)
    with _splink_workspace(con, input_sql, work_schema) as (_, register):
        t = time.perf_counter()
        records = register(f"select * from {work_schema}.match_input", "splink_match_input")
        frequencies = Linker(records, json.loads(model), log_level=logging.WARNING)
        name_frequencies = frequencies.table_management.compute_tf_table("name_key")
        con.execute(
            f"create or replace table {work_schema}.match_candidates as "
            f"{_candidates_sql(work_schema + '.match_input')}"
        )
        candidates = register(f"select * from {work_schema}.match_candidates", "splink_match_candidates")
        scorer = Linker(candidates, json.loads(model), log_level=logging.WARNING)
        scorer.table_management.register_term_frequency_lookup(name_frequencies, "name_key")
        predictions = scorer.inference.predict(threshold_match_probability=KEEP_FLOOR, warning_mode="never")
        rule_names = list(BLOCKING_RULES)
        rule_case = " ".join(f"when '{i}' then '{name}'" for i, name in enumerate(rule_names))
        result = (
            con.sql(f"""
            select record_key_l, record_key_r, match_weight, match_probability,
                   case cast(match_key as varchar) {rule_case} end as blocking_rule,
                   mw_name, mw_tf_adj_name, mw_birth_date, mw_sex, mw_village, mw_nik
            from {predictions.physical_name}
            order by record_key_l, record_key_r
        """)
            .to_arrow_table()
            .cast(SCHEMA)
        )
        timings["predict_s"] = time.perf_counter() - t
        for splink_linker in (frequencies, scorer):
            splink_linker.table_management.delete_tables_created_by_splink_from_db()
    timings["model"] = model
    timings["total_s"] = time.perf_counter() - started
    return result


CLUSTER_SCHEMA = pa.schema(
    [
        ("record_key", pa.int64()),
        ("resolved_nik", pa.string()),
        ("cluster_key", pa.int64()),
        ("match_probability", pa.float64()),
        ("blocking_rule", pa.string()),
    ]
)


# Every NIK is below this and every record key (macros/staging.sql person_record_key, at
# least 2^59) above it: a node of the link graph, or a person_id, is one or the other.
NIK_LIMIT = 10**16


def cluster_untrusted(untrusted: list[int], edges: list[tuple]) -> pa.Table:
    """Connected components of links, never joining two register persons.

    untrusted: record keys without a trusted NIK. edges: (probability, node_l, node_r,
    blocking_rule), where a node is the record key of an untrusted record or, for a record
    with a trusted NIK, that NIK as a number (below NIK_LIMIT; all records of one register
    person are one node). Links are taken strongest first (ties by keys, then rule, so the
    result is deterministic); a link
    that would put two register NIKs in one cluster is dropped, so each side keeps its
    stronger links.

    Returns one row per untrusted record: its cluster's register NIK (or NULL), the smallest
    untrusted record key of its cluster, and the probability and blocking rule of the
    strongest link it was joined by (NULL if none).
    """
    parent: dict[int, int] = {}
    anchor: dict[int, str | None] = {}

    def find(node: int) -> int:
        if node not in parent:
            parent[node] = node
            anchor[node] = f"{node:016d}" if node < NIK_LIMIT else None
            return node
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    best: dict[int, tuple[float, str]] = {}
    # Ties by keys, then rule: all records of a register NIK are one node, so one record can
    # have equally strong links to it by different rules.
    for probability, node_l, node_r, rule in sorted(edges, key=lambda e: (-e[0], e[1], e[2], e[3] or "")):
        root_l, root_r = find(node_l), find(node_r)
        if root_l == root_r:
            accepted = True
        elif anchor[root_l] is not None and anchor[root_r] is not None:
            accepted = False
        else:
            keep, drop = (root_l, root_r) if root_l < root_r else (root_r, root_l)
            parent[drop] = keep
            anchor[keep] = anchor[keep] or anchor[drop]
            accepted = True
        if accepted:
            for node in (node_l, node_r):
                if node >= NIK_LIMIT and node not in best:
                    best[node] = (probability, rule)
    smallest: dict[int, int] = {}
    for key in untrusted:
        root = find(key)
        if root not in smallest or key < smallest[root]:
            smallest[root] = key
    rows = []
    for key in untrusted:
        root = find(key)
        probability, rule = best.get(key, (None, None))
        rows.append((key, anchor[root], smallest[root], probability, rule))
    return pa.Table.from_arrays(
        [pa.array(list(column), type=field.type) for column, field in zip(zip(*rows), CLUSTER_SCHEMA)]
        if rows
        else [pa.array([], type=f.type) for f in CLUSTER_SCHEMA],
        schema=CLUSTER_SCHEMA,
    )


def cluster_sql_inputs(
    con: duckdb.DuckDBPyConnection, links_sql: str, pairs_sql: str, threshold: float
) -> tuple[list[int], list[tuple]]:
    """Untrusted record keys and the link edges at or above `threshold`, read with `con`.

    links_sql: record_key, is_nik_trusted, register_nik per record; pairs_sql: record_key_l,
    record_key_r, match_probability, blocking_rule per scored pair.
    """
    untrusted = [
        row[0]
        for row in con.sql(
            f"select record_key from ({links_sql}) where not is_nik_trusted order by record_key"
        ).fetchall()
    ]
    edges = con.sql(f"""
        with nodes as (
            select record_key,
                   case when is_nik_trusted then cast(register_nik as bigint) else record_key end as node
            from ({links_sql})
        )
        select p.match_probability, l.node, r.node, p.blocking_rule
        from ({pairs_sql}) as p
        join nodes as l on l.record_key = p.record_key_l
        join nodes as r on r.record_key = p.record_key_r
        where p.match_probability >= {float(threshold)!r} and l.node <> r.node
    """).fetchall()
    return untrusted, edges
