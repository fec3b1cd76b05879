"""The analyst database's views for the questions asked most, and the descriptions of what
`publish` adds beside the marts.

Views are plain SQL over the published marts (schema `analysis`), so that any DuckDB 1.x
reader runs them: region names travel with the facts (fct_eligibility carries codes only,
dim_region is per village). Names follow docs/analysts.md: Indonesian for the domain's
attributes and values, English for keys and technical columns.
"""

from __future__ import annotations

import dataclasses

VIEWS_SCHEMA = "analysis"
PREVIOUS_PUBLICATION_TABLE = "_previous_publication"  # the publication this one replaced


@dataclasses.dataclass(frozen=True)
class View:
    name: str
    description: str
    sql: str
    columns: dict[str, str]  # column -> description, in the view's column order


_REGION_NAMES = {
    "kode_provinsi": "Province code, 2 digits PP.",
    "nama_provinsi": "Name of the province (dim_region).",
    "kode_kabupaten_kota": "Regency/city code, 4 digits PPRR.",
    "nama_kabupaten_kota": "Name of the regency (kabupaten) or city (kota) (dim_region).",
}

VIEWS = (
    View(
        "kabupaten_kota",
        "Regencies and cities with their names and province, one row per regency/city of "
        "dim_region: join any mart's kode_kabupaten_kota to it for names.",
        """
        select distinct kode_provinsi, nama_provinsi, kode_kabupaten_kota, nama_kabupaten_kota
        from marts.dim_region
        """,
        dict(_REGION_NAMES),
    ),
    View(
        "kelayakan_wilayah",
        "Eligibility by programme and regency/city, with the province and regency names: "
        "families assessed, eligible, receiving, and the two targeting errors "
        "(fct_eligibility). Families whose village is unknown have NULL codes and names.",
        """
        select
            eligibility.program,
            wilayah.kode_provinsi,
            wilayah.nama_provinsi,
            eligibility.kode_kabupaten_kota,
            wilayah.nama_kabupaten_kota,
            count(*) as jumlah_keluarga,
            count(*) filter (where eligibility.layak) as keluarga_layak,
            count(*) filter (where eligibility.menerima) as keluarga_menerima,
            count(*) filter (where eligibility.layak and eligibility.menerima) as layak_dan_menerima,
            count(*) filter (where eligibility.layak and not eligibility.menerima) as layak_tidak_menerima,
            count(*) filter (where eligibility.menerima and not eligibility.layak) as menerima_tidak_layak
        from marts.fct_eligibility as eligibility
        left join analysis.kabupaten_kota as wilayah
            on eligibility.kode_kabupaten_kota = wilayah.kode_kabupaten_kota
        group by
            eligibility.program,
            wilayah.kode_provinsi,
            wilayah.nama_provinsi,
            eligibility.kode_kabupaten_kota,
            wilayah.nama_kabupaten_kota
        """,
        {
            "program": "Programme code (ref_program_rules.program).",
            **_REGION_NAMES,
            "jumlah_keluarga": "Families assessed for the programme.",
            "keluarga_layak": "Families eligible (fct_eligibility.layak).",
            "keluarga_menerima": "Families receiving the programme today according to DTKS.",
            "layak_dan_menerima": "Families eligible and receiving (correctly included).",
            "layak_tidak_menerima": "Families eligible but not receiving (exclusion errors).",
            "menerima_tidak_layak": "Families receiving but not eligible (inclusion errors).",
        },
    ),
    View(
        "keluarga_layak_tidak_menerima",
        "Families eligible for at least one programme with a recipient list but receiving "
        "none of them, with their region's names, the poorest (national desil) first.",
        """
        select
            eligibility.family_id,
            any_value(wilayah.kode_provinsi) as kode_provinsi,
            any_value(wilayah.nama_provinsi) as nama_provinsi,
            any_value(eligibility.kode_kabupaten_kota) as kode_kabupaten_kota,
            any_value(wilayah.nama_kabupaten_kota) as nama_kabupaten_kota,
            any_value(eligibility.desil_nasional) as desil_nasional,
            string_agg(eligibility.program, ', ' order by eligibility.program)
                filter (where eligibility.layak) as layak_untuk
        from marts.fct_eligibility as eligibility
        left join analysis.kabupaten_kota as wilayah
            on eligibility.kode_kabupaten_kota = wilayah.kode_kabupaten_kota
        where eligibility.menerima is not null
        group by eligibility.family_id
        having bool_or(eligibility.layak) and not bool_or(eligibility.menerima)
        order by desil_nasional, kode_kabupaten_kota, eligibility.family_id
        """,
        {
            "family_id": "Family pseudonym (fct_household.family_id).",
            **_REGION_NAMES,
            "desil_nasional": "The family's national desil (fct_household_desil).",
            "layak_untuk": "The programmes with a recipient list it is eligible for, comma-separated.",
        },
    ),
    View(
        "perubahan_kelayakan",
        "Changes since the previous publication, per family and programme: eligibility, "
        "receipt or national desil changed (berubah), or the family and programme is new "
        "(baru) or gone (keluar). Compares the current versions of the eligibility history "
        "(snap_household_eligibility) with the versions in force on the previous "
        "publication's data date (_previous_publication.tanggal_data). Empty when there was "
        "no previous publication, or when it had the same data date.",
        f"""
        with sebelumnya as (
            select max(tanggal_data) as tanggal_data from main.{PREVIOUS_PUBLICATION_TABLE}
        ),
        versi_lama as (
            select history.*
            from marts.snap_household_eligibility as history
            inner join sebelumnya
                on history.dbt_valid_from <= sebelumnya.tanggal_data
                and (history.dbt_valid_to is null or history.dbt_valid_to > sebelumnya.tanggal_data)
        ),
        versi_sekarang as (
            select history.*
            from marts.snap_household_eligibility as history
            where history.dbt_valid_to is null
                and exists (select 1 from sebelumnya where sebelumnya.tanggal_data is not null)
        ),
        perubahan as (
            select
                coalesce(sekarang.family_id, lama.family_id) as family_id,
                coalesce(sekarang.program, lama.program) as program,
                coalesce(sekarang.kode_kabupaten_kota, lama.kode_kabupaten_kota) as kode_kabupaten_kota,
                case
                    when lama.family_id is null then 'baru'
                    when sekarang.family_id is null then 'keluar'
                    else 'berubah'
                end as jenis_perubahan,
                lama.layak as layak_sebelumnya,
                sekarang.layak as layak_sekarang,
                lama.menerima as menerima_sebelumnya,
                sekarang.menerima as menerima_sekarang,
                lama.desil_nasional as desil_nasional_sebelumnya,
                sekarang.desil_nasional as desil_nasional_sekarang,
                sekarang.syarat_tidak_terpenuhi as syarat_tidak_terpenuhi_sekarang
            from versi_sekarang as sekarang
            full outer join versi_lama as lama
                on sekarang.family_id = lama.family_id and sekarang.program = lama.program
            where lama.family_id is null
                or sekarang.family_id is null
                or lama.layak is distinct from sekarang.layak
                or lama.menerima is distinct from sekarang.menerima
                or lama.desil_nasional is distinct from sekarang.desil_nasional
        )
        select
            perubahan.family_id,
            perubahan.program,
            wilayah.kode_provinsi,
            wilayah.nama_provinsi,
            perubahan.kode_kabupaten_kota,
            wilayah.nama_kabupaten_kota,
            perubahan.jenis_perubahan,
            perubahan.layak_sebelumnya,
            perubahan.layak_sekarang,
            perubahan.menerima_sebelumnya,
            perubahan.menerima_sekarang,
            perubahan.desil_nasional_sebelumnya,
            perubahan.desil_nasional_sekarang,
            perubahan.syarat_tidak_terpenuhi_sekarang
        from perubahan
        left join analysis.kabupaten_kota as wilayah
            on perubahan.kode_kabupaten_kota = wilayah.kode_kabupaten_kota
        """,
        {
            "family_id": "Family pseudonym (fct_household.family_id).",
            "program": "Programme code.",
            "kode_provinsi": "Province code, 2 digits PP.",
            "nama_provinsi": "Name of the province (dim_region).",
            "kode_kabupaten_kota": "Regency/city of the family now (before, for a family gone).",
            "nama_kabupaten_kota": "Name of the regency (kabupaten) or city (kota) (dim_region).",
            "jenis_perubahan": "baru (not in the previous publication), keluar (not in this one) or berubah.",
            "layak_sebelumnya": "Eligible at the previous publication; NULL for baru.",
            "layak_sekarang": "Eligible now; NULL for keluar.",
            "menerima_sebelumnya": "Receiving at the previous publication (DTKS).",
            "menerima_sekarang": "Receiving now (DTKS).",
            "desil_nasional_sebelumnya": "National desil at the previous publication.",
            "desil_nasional_sekarang": "National desil now.",
            "syarat_tidak_terpenuhi_sekarang": "The unmet conditions now; NULL when eligible.",
        },
    ),
)

# The tables `publish` writes beside the marts, described like the marts.
PUBLICATION_DESCRIPTIONS = {
    "_publication": (
        "This publication: one row per published mart, with the build it came from.",
        {
            "published_at": "When this analyst database was published (UTC).",
            "working_db": "The working database the marts were copied from.",
            "build_id": "The dbt invocation that built every published mart (build ledger).",
            "table_name": "The published mart.",
            "row_count": "Its number of rows.",
            "content_hash": "Its order-independent content hash (dtsen.marts.mart_content_hashes).",
        },
    ),
    "_publication_deliveries": (
        "The deliveries the published build read, one row per delivered file.",
        {
            "source": "Agency: dukcapil, dtks, p3ke, bps or verifikasi.",
            "delivery": "The delivery (folder) name.",
            "extract_date": "The extract date the delivery declares.",
            "file_name": "The delivered file.",
            "file_sha256": "The file's SHA-256.",
            "file_rows": "The file's number of data rows.",
        },
    ),
    PREVIOUS_PUBLICATION_TABLE: (
        "The publication this one replaced (no row for a first publication, or when the "
        "previous file could not be read): analysis.perubahan_kelayakan compares with it.",
        {
            "published_at": "When the previous analyst database was published (UTC).",
            "build_id": "The build the previous publication came from.",
            "tanggal_data": "The data date of the previous publication (fct_eligibility.tanggal_data).",
        },
    ),
}
