"""Evaluation against the generator's truth. Reads the built warehouse (read-only) and the
truth folder; nothing here is ever read back by a model.

Staging: for each error kind the generator injected into person records, how many records
carry it and how many of them staging flagged with the check meant to catch it; and, for
records with no identity error at all, how many staging wrongly flagged.

Identity resolution: pairwise precision, recall and F1 of int_person_identity against the
truth's person ids (`resolution_scores`).

Targeting: how well the proxy-means test ranks families by their true consumption, and the
true inclusion and exclusion errors of DTSEN's eligibility lists next to today's DTKS lists
(`targeting_scores`), and the ranking of each kind of family by what the data know of it
(`pendataan_scores`: register-only families against the full PMT with filled-in indicators).

Before and after field results: every evaluation's list errors are kept beside the working
database (EVALUATIONS) with the build and the field-result deliveries it saw; the errors
"before field results" are those of the newest evaluated build that saw fewer of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dtsen.marts import build_state
from dtsen.quality.runner import append_lines, read_records
from dtsen.report import PERSON_MODELS
from dtsen.sql_text import quote_literal
from dtsen.welfare import pmt_variables, predict

# Staging models of household-level files, by source and file.
HOUSEHOLD_MODELS = {
    ("dtks", "rumah_tangga.csv"): "stg_dtks__rumah_tangga",
    ("p3ke", "keluarga.csv"): "stg_p3ke__keluarga",
    ("bps", "regsosek_keluarga.parquet"): "stg_bps__regsosek_keluarga",
}

# Injected NIK damage form -> the nik_status staging must give it. Forms not listed here
# are safe to repair (spaces, dots, dashes, apostrophe, trailing .0): staging must repair
# them to a 16-digit NIK.
UNREPAIRABLE_DAMAGE = {
    "blank": "missing",
    "zero": "missing",
    "exponent": "exponent_form",
    "len15": "wrong_length",
    "len17": "wrong_length",
}

# Error kinds that make a person's NIK or birth date disagree; a record with none of them
# must come out of staging with nik_status 'valid'.
IDENTITY_ERRORS = [
    "nik_damaged",
    "nik_mistyped",
    "nik_birthdate_mismatch",
    "nik_other_person",
    "nik_borrowed_from_head",
    "birthdate_shifted",
    "birthdate_year_only",
    "birthdate_placeholder",
    "unregistered",
    "unknown_to_civil_register",
]

# Row-level errors the generator makes for the quarantine, and the reason staging must give.
QUARANTINE_ERRORS = {
    "invalid_date": "UNPARSEABLE_DATE",
    "invalid_code": "UNKNOWN_CODE",
    "empty_record_id": "EMPTY_KEY",
}


def attach_truth(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    """Temp views truth_records / truth_household_records over the truth's Parquet files.
    A truth folder written before made-up persons had ids gets an empty fictitious_person_id."""
    for name in ("records", "household_records", "persons", "families"):
        path = quote_literal(str((truth / f"{name}.parquet").resolve()))
        con.execute(f"create or replace temp view truth_{name} as select * from read_parquet({path})")
    columns = {row[0] for row in con.sql("describe truth_records").fetchall()}
    if "fictitious_person_id" not in columns:
        path = quote_literal(str((truth / "records.parquet").resolve()))
        con.execute(
            "create or replace temp view truth_records as "
            f"select *, null::bigint as fictitious_person_id from read_parquet({path})"
        )


def _staged_persons_sql() -> str:
    return " union all ".join(
        f"select source, source_file, source_row_number, nik_status, nik_is_16_digits, "
        f"tanggal_lahir_is_placeholder from staging.{model}"
        for model in PERSON_MODELS.values()
    )


def _household_checks_sql() -> str:
    """Checks on household-level files: retired region codes and damaged family cards."""
    staged = " union all ".join(
        "select source, source_file, source_row_number, kode_desa_in_force, kode_desa_region_known, "
        + ("no_kk_status, no_kk_was_repaired" if model != "stg_dtks__rumah_tangga" else "null, null")
        + f" from staging.{model}"
        for model in HOUSEHOLD_MODELS.values()
    )
    return f"""
        select t.source, 'old region code -> kode_desa not in force, regency prefix known' as check_name,
               not s.kode_desa_in_force and s.kode_desa_region_known as flagged
        from truth_household_records as t
        join ({staged}) as s (source, source_file, source_row_number, kode_desa_in_force,
                              kode_desa_region_known, no_kk_status, no_kk_was_repaired)
            on s.source = t.source and s.source_file = t.file and s.source_row_number = t.row_number
        where list_contains(t.errors, 'old_region_code')
        union all
        select t.source, 'no_kk damaged -> no_kk flagged or repaired',
               s.no_kk_status <> 'valid' or s.no_kk_was_repaired
        from truth_household_records as t
        join ({staged}) as s (source, source_file, source_row_number, kode_desa_in_force,
                              kode_desa_region_known, no_kk_status, no_kk_was_repaired)
            on s.source = t.source and s.source_file = t.file and s.source_row_number = t.row_number
        where list_contains(t.errors, 'no_kk_damaged')
    """


def staging_detection(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Rows (source, check, records injected, records flagged, share flagged).

    check names the injected kind and what counts as flagged, e.g. 'nik damaged: exponent
    -> exponent_form'. The 'no identity error -> valid' rows count records staging should
    leave alone; their share is the share left valid (1.0 means no false flags).
    """
    unrepairable = " ".join(f"when '{form}' then '{status}'" for form, status in UNREPAIRABLE_DAMAGE.items())
    identity = ", ".join(f"'{kind}'" for kind in IDENTITY_ERRORS)
    quarantine = " ".join(
        f"when list_contains(t.errors, '{kind}') then '{reason}'"
        for kind, reason in QUARANTINE_ERRORS.items()
    )
    return con.sql(f"""
        with staged as ({_staged_persons_sql()}),
        person_truth as (
            select t.*, s.nik_status, s.nik_is_16_digits, s.tanggal_lahir_is_placeholder,
                   s.source_row_number is not null as is_staged,
                   q.reason_codes,
                   case t.nik_damage {unrepairable} end as expected_status
            from truth_records as t
            left join staged as s
                on s.source = t.source and s.source_file = t.file and s.source_row_number = t.row_number
            left join staging.stg_landing__quarantine as q
                on q.source = t.source and q.source_file = t.file and q.source_row_number = t.row_number
        ),
        checks as (
            select source, 'nik damaged: ' || nik_damage || ' -> ' || expected_status as check_name,
                   nik_status = expected_status as flagged
            from person_truth where is_staged and expected_status is not null
            union all
            select source, 'nik damaged: ' || nik_damage || ' -> repaired to 16 digits', nik_is_16_digits
            from person_truth where is_staged and nik_damage is not null and expected_status is null
                and not list_has_any(errors, ['nik_other_person', 'nik_mistyped'])
            union all
            select source, 'nik birth part != birth date -> birth_date_mismatch',
                   nik_status = 'birth_date_mismatch'
            from person_truth
            where is_staged and list_contains(errors, 'nik_birthdate_mismatch') and nik_damage is null
                and not list_has_any(errors, ['birthdate_shifted', 'birthdate_placeholder',
                                              'birthdate_year_only', 'nik_other_person',
                                              'nik_borrowed_from_head'])
            union all
            select source, 'birth date shifted or 1 January -> NIK disagrees, or date implausible',
                   nik_status in ('birth_date_mismatch', 'sex_mismatch') or tanggal_lahir_is_placeholder
            from person_truth
            where is_staged and list_has_any(errors, ['birthdate_shifted', 'birthdate_year_only'])
                and nik_damage is null
                and not list_has_any(errors, ['nik_birthdate_mismatch', 'nik_other_person',
                                              'nik_borrowed_from_head', 'unregistered'])
            union all
            select source, 'birth date placeholder -> tanggal_lahir_is_placeholder',
                   tanggal_lahir_is_placeholder
            from person_truth where is_staged and list_contains(errors, 'birthdate_placeholder')
            union all
            select source, 'nik of another person -> any NIK flag (not always detectable)',
                   nik_status <> 'valid'
            from person_truth
            where is_staged and list_contains(errors, 'nik_other_person') and nik_damage is null
            union all
            select source, 'quarantine kind -> quarantined with ' || (case {quarantine} end),
                   coalesce(reason_codes like '%' || (case {quarantine} end) || ':%', false)
            from person_truth as t where list_has_any(errors, {list(QUARANTINE_ERRORS)})
            union all
            select source, 'no identity error -> valid (share left valid)', nik_status = 'valid'
            from person_truth where is_staged and not list_has_any(errors, [{identity}])
            union all
            {_household_checks_sql()}
        )
        select source, check_name, count(*) as injected, count(*) filter (where flagged) as flagged,
               count(*) filter (where flagged) / count(*) as share
        from checks group by all order by source, check_name
    """).fetchall()


def _print_staging_detection(con: duckdb.DuckDBPyConnection) -> None:
    print("\nStaging checks against the truth:")
    print(
        f"  {'source':<9} {'injected error -> expected flag':<66} {'records':>8} {'flagged':>8} {'share':>8}"
    )
    for source, check, injected, flagged, share in staging_detection(con):
        print(f"  {source:<9} {check:<66} {injected:>8,} {flagged:>8,} {share:>8.2%}")


# Classes of records for resolution scores: name -> condition on int_person_records (r) and
# the record's truth (t: its injected errors, docs/synthetic-data.md).
RESOLUTION_CLASSES = {
    "all records": "true",
    "valid NIK": "nik_status = 'valid'",
    "NIK missing or damaged": "nik_clean is null",
    "NIK 16 digits, flagged": "nik_clean is not null and nik_status <> 'valid'",
    "NIK of another person": "list_contains(t.errors, 'nik_other_person')",
    "NIK borrowed from the head": "list_contains(t.errors, 'nik_borrowed_from_head')",
    "NIK mistyped, 16 digits": "list_contains(t.errors, 'nik_mistyped')",
    "NIK 2 digits transposed": "t.nik_damage = 'transposed'",
    "NIK with spaces or tabs around": "t.nik_damage = 'padded'",
    "name with a patronymic": "list_contains(t.errors, 'patronymic')",
    "name with a title": "list_contains(t.errors, 'name_title')",
    "name in the old spelling": "list_contains(t.errors, 'name_old_spelling')",
    "under the parents' old card": "list_contains(t.errors, 'kk_change')",
    "listed in two regencies": "list_contains(t.errors, 'registered_in_two_regencies')",
    "birth date 1 January": "list_contains(t.errors, 'birthdate_year_only')",
    "no NIK, birth date changed": (
        "nik_clean is null and (list_contains(t.errors, 'birthdate_year_only')"
        " or list_contains(t.errors, 'birthdate_shifted'))"
    ),
}


def resolution_scores(
    con: duckdb.DuckDBPyConnection,
    identity: str = "intermediate.int_person_identity",
    records: str = "intermediate.int_person_records",
) -> list[tuple]:
    """Pairwise precision, recall and F1 of person resolution, per class of records.

    Rows (class, records, true pairs, predicted pairs, true positives, precision, recall, F1).

    A pair is two different staged person records (int_person_identity joined to the truth
    on source, file and row number). It is predicted when both records have the same
    person_id, and true when both are one person in the truth: the same person_id, or for
    made-up records (no person_id) the same fictitious_person_id (a made-up person listed
    twice); a made-up record without one is a person of its own. For a class (e.g.
    records with a valid NIK) the pairs counted are those with at least one record of the
    class, the other record being any record: the class's records resolved against all
    records. 'all records' counts every pair. Precision = true positives / predicted pairs,
    recall = true positives / true pairs.

    identity, records: the tables to read (record_key, person_id / the int_person_records
    columns), so that a benchmark can score its own resolution.
    """
    classes = ", ".join(
        f"coalesce({cond}, false) as c{i}" for i, cond in enumerate(RESOLUTION_CLASSES.values())
    )
    pair_sums = ", ".join(
        f"sum(n * (n - 1) - (n - c{i}) * (n - c{i} - 1)) // 2 as pairs{i}"
        for i in range(len(RESOLUTION_CLASSES))
    )
    counts = ", ".join(f"count_if(c{i}) as c{i}" for i in range(len(RESOLUTION_CLASSES)))
    rows = con.sql(f"""
        with records as (
            select i.person_id as predicted,
                   -- made-up records: the made-up person, else a person of their own
                   coalesce(
                       cast(t.person_id as varchar),
                       'made_up:' || cast(t.fictitious_person_id as varchar),
                       'none:' || cast(i.record_key as varchar)
                   ) as truth,
                   {classes}
            -- (int_person_identity also carries the records' columns: only these two are read)
            from (select record_key, person_id from {identity}) as i
            join {records} as r using (record_key)
            left join truth_records as t
                on t.source = r.source and t.file = r.source_file and t.row_number = r.source_row_number
        ),
        predicted as (select count(*) as n, {counts} from records group by predicted),
        truth as (select count(*) as n, {counts} from records group by truth),
        both_ as (select count(*) as n, {counts} from records group by predicted, truth),
        sizes as (select {counts} from records)
        select 'predicted' as kind, {pair_sums} from predicted
        union all select 'truth', {pair_sums} from truth
        union all select 'both', {pair_sums} from both_
        union all select 'records', * from sizes
    """).fetchall()
    by_kind = {row[0]: row[1:] for row in rows}
    result = []
    for i, name in enumerate(RESOLUTION_CLASSES):
        true_pairs, predicted, hits = by_kind["truth"][i], by_kind["predicted"][i], by_kind["both"][i]
        precision = hits / predicted if predicted else 1.0
        recall = hits / true_pairs if true_pairs else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result.append((name, by_kind["records"][i], true_pairs, predicted, hits, precision, recall, f1))
    return result


def _print_resolution_scores(con: duckdb.DuckDBPyConnection) -> None:
    print("\nIdentity resolution against the truth (pairs of records with at least one record of the class):")
    print(
        f"  {'records':<28} {'count':>10} {'true pairs':>11} {'predicted':>11} {'correct':>11} "
        f"{'precision':>9} {'recall':>9} {'F1':>9}"
    )
    for name, records, true_pairs, predicted, hits, precision, recall, f1 in resolution_scores(con):
        print(
            f"  {name:<28} {records:>10,} {true_pairs:>11,} {predicted:>11,} {hits:>11,} "
            f"{precision:>9.4f} {recall:>9.4f} {f1:>9.4f}"
        )


# Each resolved person stands for the true person most of its records belong to.
_PERSON_TRUTH = """
        record_truth as (
            select identity.person_id, truth.person_id as true_person_id
            from intermediate.int_person_identity as identity
            join intermediate.int_person_records as records using (record_key)
            join truth_records as truth
                on truth.source = records.source and truth.file = records.source_file
                and truth.row_number = records.source_row_number
            where truth.person_id is not null
        ),
        person_truth as (
            select person_id, mode(true_person_id) as true_person_id from record_truth group by person_id
        )"""


def household_assembly_scores(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """How well living persons were assembled into families, against the true families.

    Each resolved person stands for the true person most of its records belong to. A true
    family counts as assembled exactly when the persons standing for its living members
    are exactly the living members of one assembled family. Pairwise scores count pairs of
    resolved persons placed in the same family (predicted) and truly in the same family.
    """
    row = con.sql(f"""
        with {_PERSON_TRUTH},
        assembled as (
            select members.family_key, members.person_id, persons.family_id as true_family_id
            from intermediate.int_family_members as members
            join person_truth on members.person_id = person_truth.person_id
            join truth_persons as persons on persons.person_id = person_truth.true_person_id
            where members.is_living and persons.tanggal_meninggal is null
        ),
        -- Pairs counted from group sizes: n persons together make n(n-1)/2 pairs.
        pair_counts as (
            select
                (select sum(n * (n - 1) / 2)
                 from (select count(*) as n from assembled group by family_key, true_family_id))
                    as true_pairs_found,
                (select sum(n * (n - 1) / 2) from (select count(*) as n from assembled group by family_key))
                    as predicted_pairs,
                (select sum(n * (n - 1) / 2)
                 from (select count(*) as n from assembled group by true_family_id))
                    as actual_pairs
        ),
        family_sets as (
            select true_family_id, count(distinct family_key) as assembled_families,
                   min(family_key) as family_key, count(*) as persons
            from assembled group by true_family_id
        ),
        assembled_sizes as (select family_key, count(*) as persons from assembled group by family_key)
        select
            true_pairs_found,
            predicted_pairs,
            actual_pairs,
            (select count(*) from family_sets) as true_families,
            (select count(*) from family_sets join assembled_sizes using (family_key)
             where family_sets.assembled_families = 1 and family_sets.persons = assembled_sizes.persons)
                as exactly_assembled
        from pair_counts
    """).fetchall()[0]
    found, predicted, actual, families, exact = row
    precision = found / predicted if predicted else 1.0
    recall = found / actual if actual else 1.0
    return {
        "families": families,
        "exactly_assembled": exact / families if families else 1.0,
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def _print_household_assembly_scores(con: duckdb.DuckDBPyConnection) -> None:
    scores = household_assembly_scores(con)
    print("\nHousehold assembly against the true families (living members):")
    print(
        f"  true families {scores['families']:,}; assembled exactly {scores['exactly_assembled']:.2%}; "
        f"same-family pairs precision {scores['pair_precision']:.4f}, recall {scores['pair_recall']:.4f}, "
        f"F1 {scores['pair_f1']:.4f}"
    )


def double_recipient_scores(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """How many true double recipients the warehouse flags, per programme.

    A true double recipient: a true family that two or more delivered DTKS households stand
    for (a second registration, in the same or another regency) with two or more of them
    receiving the programme. Found: every one of those receiving households belongs to a
    warehouse family that int_recipient_data_errors flags as receiving twice for the programme
    (penerima_ganda or penerima_rumah_tangga_ganda). Rows (programme, true double recipients,
    found, share found), then a row 'all' over every programme.
    """
    rows = con.sql("""
        with receiving as (
            select truth.family_id, receipt.program, receipt.family_key
            from intermediate.int_dtks_receipt as receipt
            join staging.stg_dtks__rumah_tangga as households using (id_rt)
            join truth_household_records as truth
                on truth.source = 'dtks' and truth.file = households.source_file
                and truth.row_number = households.source_row_number
            where truth.family_id is not null
        ),
        doubles as (
            select receiving.family_id, receiving.program,
                bool_and(coalesce(errors.penerima_ganda or errors.penerima_rumah_tangga_ganda, false))
                    as found
            from receiving
            left join intermediate.int_recipient_data_errors as errors using (family_key, program)
            group by all
            having count(*) >= 2
        )
        select program, count(*), count_if(found) from doubles group by rollup (program)
        order by program nulls last
    """).fetchall()
    return [(program or "all", n, found, found / n if n else 1.0) for program, n, found in rows]


def _print_double_recipient_scores(con: duckdb.DuckDBPyConnection) -> None:
    print("\nDouble recipients (a true family receiving through two DTKS households) flagged:")
    for program, n, found, share in double_recipient_scores(con):
        print(f"  {program:<8} {n:>6,} true, {found:>6,} found ({share:.2%})")


def targeting_scores(con: duckdb.DuckDBPyConnection) -> dict:
    """The PMT and the eligibility lists against the truth.

    Each warehouse family stands for the true family most of its living members belong to.
    True desil: the true population's families ranked by true consumption per person, a
    tenth of the living persons each (as fct_household_desil, with the truth). A family is
    truly eligible for a programme when its true desil lies within the programme's desil
    condition and it meets the programme's other conditions as the warehouse sees its
    members (fct_eligibility.layak_selain_desil: the truth holds no school or pregnancy).
    Returns the Spearman rank correlation of predicted and true welfare, the share of
    persons in true desil 1-4 that the PMT also puts in desil 1-4, and per programme the
    inclusion and exclusion errors of today's DTKS list and of DTSEN's list
    (fct_eligibility.layak, after every field result the build staged).
    """
    con.execute(f"""
        create or replace temp table family_truth as
        with {_PERSON_TRUTH},
        true_desil as (
            select family_id as true_family_id, pengeluaran_perkapita_true,
                least(10, 1 + floor(10 * (sum(jumlah_art) over (
                    order by pengeluaran_perkapita_true, family_id rows unbounded preceding)
                    - jumlah_art / 2.0)
                    / sum(jumlah_art) over ())::INTEGER) as true_desil
            from truth_families
        ),
        family_votes as (
            select members.family_key, mode(persons.family_id) as true_family_id
            from intermediate.int_family_members as members
            join person_truth on members.person_id = person_truth.person_id
            join truth_persons as persons on persons.person_id = person_truth.true_person_id
            where members.is_living
            group by members.family_key
        )
        select pseudonyms.pseudonym as family_id, desil.jumlah_anggota, desil.kesejahteraan_prediksi,
            desil.desil_nasional, true_desil.pengeluaran_perkapita_true, true_desil.true_desil,
            true_family_id
        from family_votes
        join intermediate.int_family_pseudonyms as pseudonyms
            on pseudonyms.identifier = family_votes.family_key
        join marts.fct_household_desil as desil on desil.family_id = pseudonyms.pseudonym
        join true_desil using (true_family_id)
    """)
    spearman, poor_found = con.sql("""
        with ranks as (
            select *, rank() over (order by kesejahteraan_prediksi) as predicted_rank,
                rank() over (order by pengeluaran_perkapita_true) as true_rank
            from family_truth
        )
        select
            corr(predicted_rank, true_rank),
            sum(jumlah_anggota) filter (where true_desil <= 4 and desil_nasional <= 4)
                / sum(jumlah_anggota) filter (where true_desil <= 4)
        from ranks
    """).fetchall()[0]
    programmes = con.sql("""
        with ceilings as (
            select program, coalesce(nilai_min, 1) as desil_min, coalesce(nilai_max, 10) as desil_max
            from intermediate.int_program_rules_in_force
            where syarat in ('desil_nasional', 'desil_nasional_atau_verifikasi_layak')
        ),
        judged as (
            select eligibility.program, eligibility.menerima, eligibility.layak,
                eligibility.layak_selain_desil
                    and truth.true_desil between ceilings.desil_min and ceilings.desil_max
                    as truly_eligible
            from marts.fct_eligibility as eligibility
            join family_truth as truth using (family_id)
            join ceilings using (program)
            where eligibility.menerima is not null
        )
        select program,
            count(*) filter (where menerima and not truly_eligible) / count(*) filter (where menerima),
            count(*) filter (where truly_eligible and not menerima) / count(*) filter (where truly_eligible),
            count(*) filter (where layak and not truly_eligible) / count(*) filter (where layak),
            count(*) filter (where truly_eligible and not layak) / count(*) filter (where truly_eligible)
        from judged group by program order by program
    """).fetchall()
    return {
        "families": con.sql("select count(*) from family_truth").fetchall()[0][0],
        "spearman": spearman,
        "poor_found": poor_found,
        "programmes": {
            program: {
                "dtks": (dtks_in, dtks_ex),
                "dtsen": (dtsen_in, dtsen_ex),
            }
            for program, dtks_in, dtks_ex, dtsen_in, dtsen_ex in programmes
        },
    }


# The list errors of every evaluated build, one JSON object a line, beside the working database.
EVALUATIONS = "evaluations.jsonl"


def _field_deliveries(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The extract dates of the field-result deliveries the build staged."""
    return [
        str(date)
        for (date,) in con.sql(
            "select distinct extract_date from staging.stg_landing__delivery_files "
            "where source = 'verifikasi' and status = 'current' order by 1"
        ).fetchall()
    ]


def record_targeting(con: duckdb.DuckDBPyConnection, db: Path, scores: dict) -> dict:
    """Append this build's list errors to EVALUATIONS (once per build) and return the record."""
    record = {
        "build_id": build_state(con).build_id,
        "evaluated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "field_deliveries": _field_deliveries(con),
        "dtsen": {program: lists["dtsen"] for program, lists in scores["programmes"].items()},
    }
    path = db.parent / EVALUATIONS
    if record["build_id"] not in {earlier["build_id"] for earlier in read_records(path)}:
        append_lines(path, [record])
    return record


def before_field_results(db: Path, current: dict) -> dict | None:
    """The newest evaluated build that saw fewer of the current field-result deliveries:
    the lists before those field results."""
    seen = set(current["field_deliveries"])
    earlier = [
        record
        for record in read_records(db.parent / EVALUATIONS)
        if record["build_id"] != current["build_id"] and set(record["field_deliveries"]) < seen
    ]
    return earlier[-1] if earlier else None


def _print_targeting_scores(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    scores = targeting_scores(con)
    current = record_targeting(con, db, scores)
    before = before_field_results(db, current) if current["field_deliveries"] else None
    print(
        "\nTargeting against the true consumption "
        f"({scores['families']:,} warehouse families matched to a true family):"
    )
    print(
        f"  PMT rank correlation (Spearman) with true consumption per person: {scores['spearman']:.3f}; "
        f"persons in true desil 1-4 placed in desil 1-4: {scores['poor_found']:.1%}"
    )
    if before:
        print(
            f"  before field results: build {before['build_id']} (evaluated {before['evaluated_at']}, "
            f"field results {', '.join(before['field_deliveries']) or 'none'}); after: this build "
            f"(field results {', '.join(current['field_deliveries'])})"
        )
    elif current["field_deliveries"]:
        print("  before field results: no build evaluated before these field results (dtsen evaluate then)")
    print(
        f"  {'programme':<10} {'DTKS today: inclusion':>22} {'exclusion':>10} "
        f"{'DTSEN before field: incl.':>26} {'exclusion':>10} {'after field: incl.':>19} {'exclusion':>10}"
    )
    for program, lists in scores["programmes"].items():
        (dtks_in, dtks_ex), (dtsen_in, dtsen_ex) = lists["dtks"], lists["dtsen"]
        before_in, before_ex = before["dtsen"].get(program, (None, None)) if before else (None, None)
        print(
            f"  {program:<10} {_rate(dtks_in):>22} {_rate(dtks_ex):>10} {_rate(before_in):>26} "
            f"{_rate(before_ex):>10} {_rate(dtsen_in):>19} {_rate(dtsen_ex):>10}"
        )


def _rate(value: float | None) -> str:
    """A share as a percentage; "-" when there is nothing to divide by (an empty list)."""
    return "-" if value is None else f"{value:.1%}"


def pendataan_scores(
    con: duckdb.DuckDBPyConnection, by: str = "status_pendataan"
) -> dict[str, dict[str, float]]:
    """How well each kind of family is ranked, against the truth: per value of
    fct_household_desil's `by` column (status_pendataan, or model_pmt: the PMT that ranked it).

    Per group: the families matched to a true family, their share, the Spearman rank
    correlation within them of the score fct_household_desil ranks them by (`spearman`) and
    of the full PMT's score (`spearman_full_model`: the indicators no source gave filled
    with the survey's most common level or mean, as every family was ranked before the
    register-only and housing models). The two differ only for families those models rank.
    Reads the family_truth table targeting_scores makes (and makes it when missing).
    """
    if by not in ("status_pendataan", "model_pmt"):
        raise ValueError(f"pendataan_scores groups by status_pendataan or model_pmt, not {by!r}")
    made = "select * from duckdb_tables() where table_name = 'family_truth' and temporary"
    if not con.sql(made).fetchall():
        targeting_scores(con)
    coefficients = con.sql("select * from marts.mart_pmt_coefficients where model = 'lengkap'").df()
    sample = con.sql("select * from intermediate.int_pmt_sample limit 0").df()
    categorical, numeric = pmt_variables(sample)
    families = con.sql(f"""
        select truth.family_id, truth.pengeluaran_perkapita_true, desil.{by} as pmt_group,
            desil.log_kesejahteraan_prediksi, features.*
        from family_truth as truth
        join marts.fct_household_desil as desil using (family_id)
        join intermediate.int_family_pseudonyms as pseudonyms on pseudonyms.pseudonym = truth.family_id
        join intermediate.int_household_pmt_features as features
            on features.family_key = pseudonyms.identifier
    """).df()
    families["full_model"] = predict(coefficients, families, categorical, numeric)
    scores = {}
    for group_name, group in families.groupby("pmt_group"):
        true = group["pengeluaran_perkapita_true"]
        scores[group_name] = {
            "families": len(group),
            "share": len(group) / len(families),
            "spearman": group["log_kesejahteraan_prediksi"].corr(true, method="spearman"),
            "spearman_full_model": group["full_model"].corr(true, method="spearman"),
        }
    return scores


def _print_pendataan_scores(con: duckdb.DuckDBPyConnection) -> None:
    for by, title in (
        ("status_pendataan", "what the data know of a family (status_pendataan)"),
        ("model_pmt", "the PMT that ranked a family (model_pmt)"),
    ):
        print(f"\nRanking by {title}, Spearman with true consumption:")
        print(f"  {'group':<14} {'families':>9} {'share':>7} {'as ranked':>10} {'full PMT, filled-in':>20}")
        for group_name, row in pendataan_scores(con, by).items():
            print(
                f"  {group_name:<14} {row['families']:>9,} {row['share']:>7.1%} {row['spearman']:>10.3f} "
                f"{row['spearman_full_model']:>20.3f}"
            )


def print_evaluation(db: Path, truth: Path) -> None:
    """Everything `dtsen evaluate` prints: staging's flags, person resolution, household
    assembly and targeting, each against the truth, on one read-only connection to the warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        attach_truth(con, truth)
        print(f"Evaluation of {db} against the truth in {truth}")
        _print_staging_detection(con)
        _print_resolution_scores(con)
        _print_household_assembly_scores(con)
        _print_double_recipient_scores(con)
        _print_targeting_scores(con, db)
        _print_pendataan_scores(con)
    finally:
        con.close()
