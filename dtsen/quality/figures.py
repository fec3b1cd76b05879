"""Key figures for the ministries' report, read from the built warehouse (read-only).
Row accounting and NIK status shares come from dtsen.report; a figure whose table the
build does not hold is left out (the report says so)."""

from __future__ import annotations

import duckdb

from dtsen.report import PERSON_MODELS, nik_status_shares, row_accounting


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    relation = con.sql(sql)
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in con.sql("select table_schema, table_name from information_schema.tables").fetchall()
    }


def collect(con: duckdb.DuckDBPyConnection) -> dict:
    tables = _tables(con)
    figures: dict = {"tables": sorted(tables)}
    figures["deliveries"] = [
        dict(zip(("source", "file_name", "delivery", "manifest_rows", "staged", "quarantined"), row))
        for row in row_accounting(con)
    ]
    figures["nik_status"] = [
        dict(zip(("source", "nik_status", "records", "share"), row)) for row in nik_status_shares(con)
    ]
    figures["nik_valid_share"] = {
        row["source"]: row["share"] for row in figures["nik_status"] if row["nik_status"] == "valid"
    }
    figures["current_delivery"] = dict(
        con.sql(
            "select source, max(delivery) from staging.stg_landing__delivery_files "
            "where status = 'current' group by all"
        ).fetchall()
    )
    # Every file of a refused delivery, and folders that are no known source (delivery and
    # file NULL): the report lists them all.
    figures["refused_deliveries"] = _rows(
        con,
        """
        select source, delivery, file_name, coalesce(file_problem, delivery_problem) as problem
        from staging.stg_landing__delivery_files where status = 'refused'
        order by source, delivery nulls first, file_name nulls first
    """,
    )
    if "staging.stg_landing__delivery_changes" in tables:
        figures["delivery_changes"] = _rows(
            con,
            """
            select source, file_name, check_name, column_name, comparison,
                   previous_delivery, current_delivery, previous_value, current_value, change, code
            from staging.stg_landing__delivery_changes
            order by source, file_name, check_name <> 'row_count', check_name, column_name
        """,
        )
    if "intermediate.int_nik_birth_date_checks" in tables:
        # Birth-date disagreements per source: wrong birth date (the register vouches for the
        # NIK) apart from invalid NIK.
        figures["nik_birth_date_checks"] = _rows(
            con,
            """
            select source, birth_date_check, count(*) as records
            from intermediate.int_nik_birth_date_checks group by all order by all
        """,
        )
        # A NIK the register vouches for is valid although the record's birth date is wrong.
        records = {}
        for row in figures["nik_status"]:
            records[row["source"]] = records.get(row["source"], 0) + row["records"]
        for row in figures["nik_birth_date_checks"]:
            if row["birth_date_check"] == "birth_date_differs_from_register" and records.get(row["source"]):
                figures["nik_valid_share"][row["source"]] = (
                    figures["nik_valid_share"].get(row["source"], 0) + row["records"] / records[row["source"]]
                )
    # Province of the record's village (retired codes mapped in int_person_records).
    if "intermediate.int_person_records" in tables:
        figures["nik_by_province"] = _rows(
            con,
            """
            select r.source, coalesce(left(r.kode_desa, 2), '??') as kode_provinsi,
                   coalesce(p.nama_provinsi, 'TIDAK DIKETAHUI') as nama_provinsi,
                   count(*) as records, avg((r.nik_status = 'valid')::int) as valid_share
            from intermediate.int_person_records as r
            left join reference.ref_provinsi as p on p.kode_provinsi = left(r.kode_desa, 2)
            group by all order by kode_provinsi, source
        """,
        )
    if "marts.mart_duplicates" in tables:
        figures["duplicates"] = _rows(
            con,
            """
            select duplicate_kind, source, count(*) as records, count(distinct duplicate_group_id) as groups
            from marts.mart_duplicates group by all order by duplicate_kind, source
        """,
        )
    if "intermediate.int_person_identity" in tables:
        # Match rate: person records resolved to a civil-register person, exactly by NIK or
        # probabilistically (the register's own records excluded).
        figures["match_rates"] = _rows(
            con,
            """
            select source, count(*) as records,
                   count(*) filter (where link_rule = 'nik_register') as by_nik,
                   count(*) filter (where link_rule = 'probabilistic') as probabilistic,
                   count(*) filter (where link_rule = 'none') as unmatched,
                   1 - count(*) filter (where link_rule = 'none') / count(*) as match_rate
            from intermediate.int_person_identity where source <> 'dukcapil'
            group by all order by source
        """,
        )
    if "marts.mart_targeting_errors_administrative" in tables:
        figures["targeting_administrative"] = _rows(
            con,
            """
            select program, jumlah_penerima, penerima_tidak_layak, inclusion_error_rate, jumlah_layak,
                   layak_tidak_menerima, exclusion_error_rate, penerima_data_bermasalah, data_error_rate
            from marts.mart_targeting_errors_administrative where tingkat = 'nasional' order by program
        """,
        )
    if "marts.mart_targeting_errors_administrative" in tables:
        # Per province, every programme together (a family counts once per programme it is
        # listed or eligible for): the report's maps.
        figures["targeting_by_province"] = _rows(
            con,
            """
            select kode_wilayah as kode_provinsi, sum(jumlah_penerima) as jumlah_penerima,
                   sum(penerima_tidak_layak) / nullif(sum(jumlah_penerima), 0) as inclusion_error_rate,
                   sum(jumlah_layak) as jumlah_layak,
                   sum(layak_tidak_menerima) / nullif(sum(jumlah_layak), 0) as exclusion_error_rate,
                   sum(penerima_data_bermasalah) / nullif(sum(jumlah_penerima), 0) as data_error_rate
            from marts.mart_targeting_errors_administrative
            where tingkat = 'provinsi' and kode_wilayah is not null group by all order by all
        """,
        )
    if "reference.ref_program_rules" in tables:
        figures["program_names"] = dict(
            con.sql(
                "select program, any_value(nama_program) from reference.ref_program_rules group by all"
            ).fetchall()
        )
    if "staging.stg_landing__quarantine" in tables:
        # Why rows were refused, per agency: the kind of reason (before the colon) and the column.
        figures["quarantine_reasons"] = _rows(
            con,
            """
            select source, split_part(reason_code, ':', 1) as reason,
                   nullif(split_part(reason_code, ':', 2), '') as column_name, count(*) as records
            from staging.stg_landing__quarantine group by all
            order by source, records desc, reason, column_name
        """,
        )
    if "marts.mart_targeting_errors_statistical" in tables:
        figures["targeting_statistical"] = _rows(
            con,
            """
            select program, daftar, jumlah_sampel, inclusion_error_rate, exclusion_error_rate
            from marts.mart_targeting_errors_statistical where tingkat = 'nasional' order by program, daftar
        """,
        )
    if "marts.mart_desil_wilayah" in tables:
        figures["desil_nasional"] = _rows(
            con,
            """
            select desil_nasional, jumlah_keluarga, jumlah_jiwa,
                   jumlah_jiwa / sum(jumlah_jiwa) over () as share_jiwa
            from marts.mart_desil_wilayah where tingkat = 'nasional' order by desil_nasional
        """,
        )
    if "marts.mart_verifikasi_wilayah" in tables:
        # What local government's field results changed, per province and regency.
        figures["verifikasi_wilayah"] = _rows(
            con,
            """
            select kode_provinsi, coalesce(nama_provinsi, 'TIDAK DIKETAHUI') as nama_provinsi,
                   kode_kabupaten_kota,
                   coalesce(nama_kabupaten_kota, 'TIDAK DIKETAHUI') as nama_kabupaten_kota,
                   jumlah_kunjungan, kunjungan_cocok, kunjungan_tidak_cocok, kunjungan_tidak_konsisten,
                   keluarga_terkonfirmasi, keluarga_ditangguhkan, keluarga_dikecualikan,
                   usulan_keluarga_baru, sanggahan, keluarga_menjadi_layak, keluarga_tidak_lagi_layak
            from marts.mart_verifikasi_wilayah
            order by kode_provinsi nulls last, kode_kabupaten_kota nulls last
        """,
        )
    if "marts.mart_verifikasi_program" in tables:
        figures["verifikasi_program"] = _rows(
            con,
            """
            select program, sum(keluarga_layak_sebelum) as layak_sebelum,
                   sum(keluarga_layak_sesudah) as layak_sesudah, sum(keluarga_menjadi_layak) as menjadi_layak,
                   sum(keluarga_tidak_lagi_layak) as tidak_lagi_layak,
                   sum(penerima_tidak_lagi_layak) as penerima_tidak_lagi_layak
            from marts.mart_verifikasi_program group by program order by program
        """,
        )
    return figures


def person_model_sources() -> dict[str, str]:
    """staging table -> source, for naming the delivery a NIK expectation judged."""
    return {f"staging.{model}": source for (source, _), model in PERSON_MODELS.items()}
