"""Regions: the Kemendagri seeds, and what the population needs to know about each province.

The province figures below are rounded, plausible values for a synthetic population
(religion shares after the 2020s census publications, consumption medians in the order
of BPS Susenas), not statistics to quote.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dtsen.generate.db import sql_str

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
HISTORIC_CODES = "ref_kode_wilayah_historis.csv"

# Median per-capita monthly consumption, thousand rupiah.
MEDIAN_PCC_RIBU = {
    "11": 1050,
    "12": 1150,
    "13": 1250,
    "14": 1350,
    "15": 1150,
    "16": 1050,
    "17": 1050,
    "18": 1000,
    "19": 1450,
    "21": 1750,
    "31": 2400,
    "32": 1250,
    "33": 1000,
    "34": 1300,
    "35": 1100,
    "36": 1400,
    "51": 1600,
    "52": 900,
    "53": 700,
    "61": 1000,
    "62": 1200,
    "63": 1300,
    "64": 1700,
    "65": 1450,
    "71": 1250,
    "72": 1000,
    "73": 1100,
    "74": 1000,
    "75": 850,
    "76": 850,
    "81": 900,
    "82": 1050,
    "91": 1250,
    "92": 1000,
    "93": 850,
    "94": 700,
    "95": 500,
    "96": 950,
}

# Religion shares in percent; the rest of 100 is ISLAM.
_RELIGION_PCT = {
    "12": {"KRISTEN": 27, "KATOLIK": 7, "BUDDHA": 2},
    "14": {"KRISTEN": 9, "KATOLIK": 1, "BUDDHA": 2.5},
    "19": {"KRISTEN": 2, "BUDDHA": 6, "KONGHUCU": 2},
    "21": {"KRISTEN": 11, "KATOLIK": 2, "BUDDHA": 7, "KONGHUCU": 0.5},
    "31": {"KRISTEN": 8.5, "KATOLIK": 3.5, "BUDDHA": 3.5, "HINDU": 0.2, "KONGHUCU": 0.2},
    "32": {"KRISTEN": 1.6, "KATOLIK": 0.4, "BUDDHA": 0.4},
    "33": {"KRISTEN": 1.6, "KATOLIK": 1, "KEPERCAYAAN": 0.1},
    "34": {"KATOLIK": 4.5, "KRISTEN": 2.6, "KEPERCAYAAN": 0.1},
    "35": {"KRISTEN": 1.8, "KATOLIK": 0.5, "HINDU": 0.4, "BUDDHA": 0.2},
    "36": {"KRISTEN": 2.5, "KATOLIK": 0.7, "BUDDHA": 1.5},
    "51": {"HINDU": 86.8, "KRISTEN": 1.6, "KATOLIK": 0.8, "BUDDHA": 0.6},
    "52": {"HINDU": 2.6, "BUDDHA": 0.4},
    "53": {"KATOLIK": 53, "KRISTEN": 36, "HINDU": 0.2, "KEPERCAYAAN": 0.5},
    "61": {"KATOLIK": 22, "KRISTEN": 11, "BUDDHA": 6, "KONGHUCU": 1},
    "62": {"KRISTEN": 17, "KATOLIK": 3, "HINDU": 5},
    "64": {"KRISTEN": 9, "KATOLIK": 3},
    "65": {"KRISTEN": 23, "KATOLIK": 3},
    "71": {"KRISTEN": 63, "KATOLIK": 4.5, "HINDU": 0.5},
    "72": {"KRISTEN": 17, "HINDU": 3},
    "73": {"KRISTEN": 7.6, "KATOLIK": 1.5},
    "74": {"KRISTEN": 2, "HINDU": 2},
    "76": {"KRISTEN": 16, "KATOLIK": 1},
    "81": {"KRISTEN": 40, "KATOLIK": 7},
    "82": {"KRISTEN": 23},
    "91": {"KRISTEN": 66, "KATOLIK": 6},
    "92": {"KRISTEN": 53, "KATOLIK": 7},
    "93": {"KATOLIK": 40, "KRISTEN": 20},
    "94": {"KRISTEN": 65, "KATOLIK": 20},
    "95": {"KRISTEN": 85, "KATOLIK": 13},
    "96": {"KRISTEN": 50, "KATOLIK": 8},
}
_RELIGION_DEFAULT = {"KRISTEN": 1.5, "KATOLIK": 0.3, "BUDDHA": 0.3}

# Naming culture of Muslim families, by province (the rest is MELAYU).
_MUSLIM_CULTURE_PCT = {
    "31": {"JAWA": 35, "SUNDA": 20},
    "32": {"SUNDA": 80, "JAWA": 12},
    "33": {"JAWA": 95},
    "34": {"JAWA": 95},
    "35": {"JAWA": 95},
    "36": {"SUNDA": 60, "JAWA": 15},
    "18": {"JAWA": 60, "SUNDA": 10},
    **{p: {"JAWA": 25} for p in ("14", "15", "16", "17", "19", "21")},
    **{p: {"JAWA": 20} for p in ("61", "62", "63", "64", "65")},
    **{p: {"JAWA": 40} for p in ("91", "92", "93", "94", "95", "96")},
}
_MUSLIM_CULTURE_DEFAULT = {"JAWA": 10}

# Christian naming culture by province; elsewhere Christians carry KRISTEN names.
_CHRISTIAN_CULTURE = {
    "12": "BATAK",
    "71": "MINAHASA",
    "53": "NTT",
    "81": "MALUKU",
    "82": "MALUKU",
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), "PAPUA"),
}


def _shares(pct: dict[str, float], rest: str) -> list[tuple[str, float]]:
    """Cumulative lower bounds (for an ASOF join on a uniform draw), rest first."""
    rows, low = [(rest, 0.0)], (100 - sum(pct.values())) / 100
    for name, value in sorted(pct.items()):
        rows.append((name, low))
        low += value / 100
    return rows


def _culture_rows(province: str) -> list[tuple[str, str, str, float]]:
    rows = []
    religions = ["ISLAM", *sorted({*_RELIGION_PCT.get(province, _RELIGION_DEFAULT), "KEPERCAYAAN"})]
    for religion in religions:
        if religion == "ISLAM":
            mix = _shares(_MUSLIM_CULTURE_PCT.get(province, _MUSLIM_CULTURE_DEFAULT), "MELAYU")
        elif religion == "HINDU":
            mix = [("BALI", 0.0)]
        elif religion in ("BUDDHA", "KONGHUCU"):
            mix = [("TIONGHOA", 0.0)]
        elif religion == "KEPERCAYAAN":
            mix = [("JAWA", 0.0)]
        else:
            own = _CHRISTIAN_CULTURE.get(province)
            mix = _shares({own: 85}, "KRISTEN") if own else [("KRISTEN", 0.0)]
        rows += [(province, religion, culture, low) for culture, low in mix]
    return rows


def load(con: duckdb.DuckDBPyConnection, seeds: Path) -> bool:
    """Create the region tables; return whether the historic-code seed was there.

    Tables: prov (population share as [p_lo, p_hi), log median consumption), vill (villages
    with urban flag and a cumulative weight per province for an ASOF pick), kec (indexed
    districts, for picking where a migrant's NIK was issued), kab (names), relig and
    cult (cumulative shares), hist (old regency codes, possibly empty).
    """

    def seed(name: str) -> str:
        return f"read_csv({sql_str(seeds / name)}, header=true, all_varchar=true)"

    provinces = con.sql(
        f"select kode_provinsi, penduduk_ribu_2024::DOUBLE from {seed('ref_provinsi.csv')} "
        "order by kode_provinsi"
    ).fetchall()
    total = sum(pop for _, pop in provinces)
    prov_rows, low = [], 0.0
    for code, pop in provinces:
        prov_rows.append((code, low, low + pop / total, MEDIAN_PCC_RIBU[code] * 1000.0))
        low += pop / total
    con.execute("create table prov (kode_provinsi VARCHAR, p_lo DOUBLE, p_hi DOUBLE, median_pcc DOUBLE)")
    con.executemany("insert into prov values (?, ?, ?, ?)", prov_rows)

    con.execute("create table relig (kode_provinsi VARCHAR, agama VARCHAR, lo DOUBLE)")
    con.executemany(
        "insert into relig values (?, ?, ?)",
        [
            (code, religion, low)
            for code, _ in provinces
            for religion, low in _shares(
                {"KEPERCAYAAN": 0.05, **_RELIGION_PCT.get(code, _RELIGION_DEFAULT)}, "ISLAM"
            )
        ],
    )
    con.execute("create table cult (kode_provinsi VARCHAR, agama VARCHAR, budaya VARCHAR, lo DOUBLE)")
    con.executemany(
        "insert into cult values (?, ?, ?, ?)", [r for code, _ in provinces for r in _culture_rows(code)]
    )

    # Kelurahan (7th digit 1) are urban and more populous than rural desa (7th digit 2).
    con.execute(f"""
        create table vill as
        with v as (
            select kode_desa, kode_kecamatan as kode_kec, substr(kode_desa, 1, 4) as kode_kab,
                   substr(kode_desa, 1, 2) as kode_provinsi,
                   substr(kode_desa, 7, 1) = '1' or substr(kode_desa, 3, 1) = '7' as urban
            from {seed("ref_desa.csv")}
        )
        select *, (sum(case when urban then 3 else 1 end) over w - case when urban then 3 else 1 end)
                  / sum(case when urban then 3 else 1 end) over (partition by kode_provinsi) as lo
        from v
        window w as (partition by kode_provinsi order by kode_desa rows unbounded preceding)
    """)
    con.execute(f"""
        create table kec as
        select row_number() over (order by kode_kecamatan) - 1 as idx, kode_kecamatan as kode_kec
        from {seed("ref_kecamatan.csv")}
    """)
    con.execute(f"""
        create table kab as
        select kode_kabupaten_kota as kode_kab,
               upper(regexp_replace(nama_kabupaten_kota, '^(Kabupaten|Kota) ', '')) as nama
        from {seed("ref_kabupaten_kota.csv")}
    """)
    historic = (seeds / HISTORIC_CODES).is_file()
    source = (
        f"select kode_lama, kode_baru, tahun_berlaku_sampai::INTEGER as tahun_berlaku_sampai "
        f"from {seed(HISTORIC_CODES)}"
        if historic
        else "select NULL::VARCHAR as kode_lama, NULL::VARCHAR as kode_baru, "
        "NULL::INTEGER as tahun_berlaku_sampai where false"
    )
    con.execute(f"create table hist as {source}")
    return historic
