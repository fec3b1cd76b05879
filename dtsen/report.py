"""What a build staged: per delivered file, rows in the manifest, staged and quarantined;
per source, the share of each NIK status. Read-only on the built database."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Staging models holding a person's NIK, by source and file.
PERSON_MODELS = {
    ("dukcapil", "penduduk.csv"): "stg_dukcapil__penduduk",
    ("dtks", "anggota.csv"): "stg_dtks__anggota",
    ("p3ke", "individu.csv"): "stg_p3ke__individu",
    ("bps", "regsosek_individu.parquet"): "stg_bps__regsosek_individu",
}


def row_accounting(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source, file, delivery, manifest rows, staged, quarantined) per current delivery file."""
    # By delivery too: a source whose deliveries accumulate has several current ones.
    staged = " union all ".join(
        f"select source, extract_date, source_file, count(*) as n from staging.{model} group by all"
        for model in _staging_models(con)
    )
    return con.sql(f"""
        with staged as ({staged}),
        quarantined as (
            select source, extract_date, source_file, count(*) as n
            from staging.stg_landing__quarantine group by all
        )
        select d.source, d.file_name, d.delivery, d.manifest_rows,
               coalesce(s.n, 0) as staged, coalesce(q.n, 0) as quarantined
        from staging.stg_landing__delivery_files as d
        left join staged as s
            on s.source = d.source and s.extract_date = d.extract_date and s.source_file = d.file_name
        left join quarantined as q
            on q.source = d.source and q.extract_date = d.extract_date and q.source_file = d.file_name
        where d.status = 'current'
        order by d.source, d.file_name, d.delivery
    """).fetchall()


def _staging_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The staging models of delivered files: not the intake's, the reference data's, nor the
    issued verification lists' (stg_daftar__*: the warehouse's own output, no delivery)."""
    return [
        name
        for (name,) in con.sql(
            "select table_name from information_schema.tables "
            "where table_schema = 'staging' and table_name like 'stg\\_%' escape '\\' "
            "and table_name not like 'stg\\_landing\\_\\_%' escape '\\' "
            "and table_name not like 'stg\\_reference\\_\\_%' escape '\\' "
            "and table_name not like 'stg\\_daftar\\_\\_%' escape '\\'"
        ).fetchall()
    ]


def nik_status_shares(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source, nik_status, records, share) over the person-level staging models."""
    union = " union all ".join(
        f"select '{source}' as source, nik_status from staging.{model}"
        for (source, _), model in PERSON_MODELS.items()
    )
    return con.sql(f"""
        with counted as (
            select source, nik_status, count(*) as records from ({union}) group by all
        )
        select source, nik_status, records, records / sum(records) over (partition by source) as share
        from counted order by source, records desc
    """).fetchall()


def print_build_report(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        print(f"\nDelivered rows, staged and quarantined ({db}):")
        print(
            f"  {'source':<9} {'file':<27} {'delivery':<11} "
            f"{'manifest':>11} {'staged':>11} {'quarantined':>11}"
        )
        for source, file_name, delivery, manifest, staged, quarantined in row_accounting(con):
            print(
                f"  {source:<9} {file_name:<27} {delivery:<11} "
                f"{manifest:>11,} {staged:>11,} {quarantined:>11,}"
            )
        print("\nNIK status of person records:")
        for source, status, records, share in nik_status_shares(con):
            print(f"  {source:<9} {status:<20} {records:>11,} {share:>8.2%}")
        refused = con.sql(
            "select source, delivery, delivery_problem from staging.stg_landing__delivery_files "
            "where status = 'refused' group by all order by all"
        ).fetchall()
        for source, delivery, problem in refused:
            what = f"delivery {source}/{delivery}" if delivery is not None else f"folder {source}/"
            print(f"\nREFUSED {what}: {problem}")
    finally:
        con.close()
