"""Field results: the district offices' answers to the warehouse's verification lists.

`field_results` reads every issued list under a folder (`daftar_verifikasi.csv` and
`daftar_verifikasi_anggota.csv`, docs/contract.md "verifikasi"), visits a share of the
listed families that no earlier delivery visited, and writes one `verifikasi` delivery
(`hasil_verifikasi.csv`, `anggota_usulan.csv`, a contract_version 2 manifest) whose answers
follow the generator's truth:

* a listed family is matched to its true family (by no_kk, else the members' NIKs, else
  name and birth date); a listing of nobody is TIDAK_DITEMUKAN, a listing whose members are
  all dead MENINGGAL, a family living in another village than listed PINDAH (new village
  given), the second listing of one true family on one list GANDA (`id_daftar=<first>`);
  a found family is LAYAK in true desil 1-4 and TIDAK_LAYAK (with a reason) above;
* events after the data (a move, the death of a family's only living member, a family not
  found at home) and officers' errors (misjudged, a mistyped id_daftar, a typed NIK or
  KK, housing miscoded or not observed, a miscount, a visit repeated from an earlier
  delivery) at the `verifikasi.*` rates of dtsen/generate/rates.py;
* proposals (USULAN) of families that no source holds, and objections (SANGGAHAN) about
  DTKS recipients, mostly truly rich ones.

The truth of every visit (which true family, what outcome and why, which errors) is
written to `<truth>/verifikasi/<extract_date>/`; docs/synthetic-data.md describes it.
Draws are hashes of (seed, key, salt) as in the generator: same inputs, same bytes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb

from dtsen.contract import FILES, MANIFEST_NAME
from dtsen.generate import db, errors
from dtsen.generate.db import one, sql_str
from dtsen.generate.month import _next_month
from dtsen.generate.population import HOUSING, SHDK_WORDS
from dtsen.generate.rates import resolve
from dtsen.generate.writer import write_delivery

SOURCE = "verifikasi"
LIST_FILE = "daftar_verifikasi.csv"
LIST_MEMBERS_FILE = "daftar_verifikasi_anggota.csv"
HASIL_FILE = "hasil_verifikasi.csv"
ANGGOTA_FILE = "anggota_usulan.csv"
DEFAULT_VISIT_SHARE = 0.8
DEFAULT_SEED = 20261126
# Days before the extract date that a delivery's visits may fall on (one month's work).
PERIOD_DAYS = 30
# An officer reports TIDAK_LAYAK only for a family clearly not poor (the contract): above
# every desil a national programme takes (PBI-JK's 1-5). A family in desil 5 is poor enough
# for one programme and is not found "clearly not poor", so it is LAYAK.
CLEARLY_NOT_POOR_FROM_DESIL = 6

HASIL_COLUMNS = FILES[SOURCE][HASIL_FILE]
ANGGOTA_COLUMNS = FILES[SOURCE][ANGGOTA_FILE]
LIST_COLUMNS = [
    "id_daftar",
    "kode_desa",
    "alamat",
    "rt",
    "rw",
    "no_kk",
    "nik_kepala_keluarga",
    "nama_kepala_keluarga",
    "alasan_daftar",
]
LIST_MEMBER_COLUMNS = ["id_daftar", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan"]
_HOUSING_FIELDS = list(HOUSING)

# The truth's hubungan (Regsosek codes 1-8) as the village writes it: dukcapil shdk words.
_SHDK = {
    1: "KEPALA KELUARGA",
    3: "ANAK",
    4: "MENANTU",
    5: "CUCU",
    6: "ORANG TUA",
    7: "FAMILI LAIN",
    8: "LAINNYA",
}
assert set(_SHDK.values()) <= set(SHDK_WORDS)


class FieldResultsError(ValueError):
    """The issued lists, the landing zone or the truth cannot be answered: the message says
    which folder or file and what is wrong."""


def field_results(
    lists: Path,
    landing: Path,
    truth: Path,
    extract_date: dt.date | None = None,
    seed: int = DEFAULT_SEED,
    visit_share: float = DEFAULT_VISIT_SHARE,
    rates: dict[str, float] | None = None,
    today: dt.date | None = None,
) -> dict:
    """Write one verifikasi delivery into `landing` answering the lists under `lists`.

    extract_date: default the newest extract date in the landing zone plus one month (or,
    when a list was issued later than that, a month after the newest issue date), but not
    after `today` (default: the clock's date).
    rates: full-key overrides of DEFAULT_RATES (parse_rate_overrides).
    Returns the extract date, rows per file, visits per (jenis, hasil) and list counts.
    """
    if not 0.0 <= visit_share <= 1.0:
        raise FieldResultsError(f"visit share {visit_share} is not between 0 and 1")
    lists, landing, truth = Path(lists), Path(landing), Path(truth)
    pairs = _find_lists(lists)
    r = {k.split(".", 1)[1]: v for k, v in resolve(rates).items() if k.startswith(f"{SOURCE}.")}
    with tempfile.TemporaryDirectory(prefix="dtsen-field-") as workdir:
        con = db.connect(Path(workdir), seed, memory_limit="4GB")
        try:
            errors.install(con)
            _load_lists(con, pairs)
            extract = extract_date or _default_extract(con, landing, today or dt.date.today())
            folder = landing / SOURCE / extract.isoformat()
            if folder.exists():
                raise FieldResultsError(
                    f"{folder}: a verifikasi delivery for {extract} exists already; "
                    "give another --extract-date"
                )
            _load_truth(con, truth)
            _load_earlier(con, landing, truth, extract)
            _match_listings(con)
            _visit_listings(con, r, extract, visit_share)
            _proposals(con, r, extract)
            _objections(con, r, landing, extract)
            _repeats(con, r, extract)
            _number_and_type(con, r, extract)
            rows = write_delivery(
                con,
                SOURCE,
                extract.isoformat(),
                landing,
                {HASIL_FILE: _hasil_select(), ANGGOTA_FILE: _anggota_select()},
            )
            _write_truth(con, truth / SOURCE / extract.isoformat())
            return _summary(con, extract, rows, pairs)
        finally:
            con.close()


# ------------------------------------------------------------------------------ inputs


def _find_lists(lists: Path) -> list[tuple[Path, Path]]:
    if not lists.is_dir():
        raise FieldResultsError(f"--lists {lists}: no such folder")
    pairs = []
    for daftar in sorted(lists.rglob(LIST_FILE)):
        members = daftar.with_name(LIST_MEMBERS_FILE)
        if not members.is_file():
            raise FieldResultsError(
                f"{daftar}: the list's members file {LIST_MEMBERS_FILE} is missing beside it"
            )
        pairs.append((daftar, members))
    if not pairs:
        raise FieldResultsError(f"--lists {lists}: no issued list ({LIST_FILE}) in it or below it")
    return pairs


def _read_csv(con, path: Path, required: list[str]) -> str:
    """A select of the CSV's columns as text; a missing required column raises."""
    reader = f"read_csv({sql_str(path)}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"')"
    try:
        names = [row[0] for row in con.sql(f"describe select * from {reader}").fetchall()]
    except duckdb.Error as error:
        raise FieldResultsError(f"{path}: unreadable as CSV ({error})") from None
    missing = [c for c in required if c not in names]
    if missing:
        raise FieldResultsError(f"{path}: required column(s) {', '.join(missing)} missing")
    return reader


def _load_lists(con, pairs: list[tuple[Path, Path]]) -> None:
    """listed (one row per id_daftar: the first list that holds it) and listed_members."""
    daftar, anggota = [], []
    for i, (list_path, members_path) in enumerate(pairs):
        reader = _read_csv(con, list_path, LIST_COLUMNS)
        has_date = "tanggal_terbit" in [r[0] for r in con.sql(f"describe select * from {reader}").fetchall()]
        issued = "try_cast(tanggal_terbit as DATE)" if has_date else "NULL::DATE"
        daftar.append(
            f"select {i} as list_no, row_number() over () as list_row, {', '.join(LIST_COLUMNS)}, "
            f"coalesce({issued}, try_strptime(split_part(id_daftar, '-', 2), '%Y%m%d')::DATE) "
            "as tanggal_terbit "
            f"from {reader}"
        )
        anggota.append(
            f"select {i} as list_no, {', '.join(LIST_MEMBER_COLUMNS)} "
            f"from {_read_csv(con, members_path, LIST_MEMBER_COLUMNS)}"
        )
    con.execute(f"""create table listed as
        select * from ({" union all ".join(daftar)})
        where id_daftar is not null
        qualify row_number() over (partition by id_daftar order by list_no, list_row) = 1""")
    con.execute(f"""create table listed_members as
        select m.* exclude (list_no) from ({" union all ".join(anggota)}) as m
        join listed as l on l.id_daftar = m.id_daftar and l.list_no = m.list_no""")


def _delivery_dates(landing: Path) -> list[dt.date]:
    dates = []
    if landing.is_dir():
        for folder in landing.glob("*/*"):
            try:
                if folder.is_dir() and len(folder.name) == 10:
                    dates.append(dt.date.fromisoformat(folder.name))
            except ValueError:
                continue
    return dates


def _default_extract(con, landing: Path, today: dt.date) -> dt.date:
    dates = _delivery_dates(landing)
    if not dates:
        raise FieldResultsError(f"--landing {landing}: no delivery in it; give --extract-date")
    extract = _next_month(max(dates))
    issued = one(con, "select max(tanggal_terbit) from listed")[0]
    if issued is not None and issued >= extract:
        extract = _next_month(issued)
    # The intake holds a delivery dated after today (landing.inspect_delivery).
    return min(extract, today)


def _load_truth(con, truth: Path) -> None:
    """fam: one row per true family with its true desil (as dtsen.evaluate.targeting_scores
    ranks them), living members, address and housing; persons; sourced (families some
    source's household holds)."""
    for name in ("persons", "families", "household_records", "family_housing"):
        if not (truth / f"{name}.parquet").is_file():
            raise FieldResultsError(
                f"--truth {truth}: {name}.parquet is missing (a truth folder written by this "
                "version of dtsen generate is needed)"
            )
    con.execute(f"create table persons as select * from read_parquet({sql_str(truth / 'persons.parquet')})")
    con.execute(f"""create table household_records as
        select source, file, record_id, family_id
        from read_parquet({sql_str(truth / "household_records.parquet")})""")
    con.execute(
        "create table sourced as select distinct family_id from household_records where family_id is not null"
    )
    con.execute(f"""create table fam as
        with desil as (
            select *, least(10, 1 + floor(10 * (sum(jumlah_art) over (
                    order by pengeluaran_perkapita_true, family_id rows unbounded preceding)
                    - jumlah_art / 2.0) / sum(jumlah_art) over ())::INTEGER) as true_desil
            from read_parquet({sql_str(truth / "families.parquet")})
        ),
        living as (
            select family_id, count(*) as living,
                coalesce(min(person_id) filter (where hubungan = 1), min(person_id)) as head_id
            from persons where tanggal_meninggal is null group by family_id
        )
        select d.family_id, d.no_kk, d.kode_desa, d.true_desil, coalesce(l.living, 0) as living, l.head_id,
            h.* exclude (family_id)
        from desil as d
        left join living as l using (family_id)
        join read_parquet({sql_str(truth / "family_housing.parquet")}) as h using (family_id)""")
    # Villages of each district, for a moved family's destination.
    con.execute("""create table villages as
        select kode_desa, substr(kode_desa, 1, 6) as district,
            row_number() over (partition by substr(kode_desa, 1, 6) order by kode_desa) - 1 as i,
            count(*) over (partition by substr(kode_desa, 1, 6)) as n
        from (select distinct kode_desa from fam)""")


def _load_earlier(con, landing: Path, truth: Path, extract: dt.date) -> None:
    """earlier: visits of earlier complete verifikasi deliveries (delivered columns, and the
    truth's id_daftar / family when the truth has them); earlier_truth likewise."""
    folders = sorted(
        f
        for f in (landing / SOURCE).glob("*")
        if (f / MANIFEST_NAME).is_file() and (f / HASIL_FILE).is_file() and f.name < extract.isoformat()
    )
    selects = [
        f"select {sql_str(f.name)} as delivery, * from {_read_csv(con, f / HASIL_FILE, HASIL_COLUMNS)}"
        for f in folders
    ]
    empty = ", ".join(f"NULL::VARCHAR as {c}" for c in ["delivery", *HASIL_COLUMNS])
    con.execute(f"create table earlier as {' union all by name '.join(selects) or f'select {empty} limit 0'}")
    parts = sorted((truth / SOURCE).glob(f"*/{_TRUTH_VISITS}")) if (truth / SOURCE).is_dir() else []
    parts = [p for p in parts if p.parent.name < extract.isoformat()]
    if parts:
        listed = ", ".join(sql_str(p) for p in parts)
        con.execute(f"create table earlier_truth as select * from read_parquet([{listed}])")
    else:
        con.execute("""create table earlier_truth (extract_date DATE, id_kunjungan VARCHAR, jenis VARCHAR,
            id_daftar VARCHAR, id_daftar_delivered VARCHAR, family_id BIGINT, true_desil INTEGER,
            hasil VARCHAR, cause VARCHAR, errors VARCHAR[], repeat_of VARCHAR)""")


# ------------------------------------------------------------------------------ visits


def _match_listings(con) -> None:
    """listed_truth: each listing's true family (or none), how it was matched, whether all
    its resolved members are dead, and the first listing of the same family on its list."""
    con.execute("""create table listed_truth as
        with digits as (
            select id_daftar, regexp_replace(coalesce(no_kk, ''), '[^0-9]', '', 'g') as kk from listed
        ),
        by_kk as (
            select d.id_daftar, min(f.family_id) as family_id
            from digits as d join fam as f on f.no_kk = d.kk where length(d.kk) = 16 group by d.id_daftar
        ),
        niks as (
            select id_daftar, regexp_replace(coalesce(nik, ''), '[^0-9]', '', 'g') as nik, nama,
                try_cast(tanggal_lahir as DATE) as tanggal_lahir
            from listed_members
            union all
            select id_daftar, regexp_replace(coalesce(nik_kepala_keluarga, ''), '[^0-9]', '', 'g'), NULL, NULL
            from listed
        ),
        resolved as (
            select n.id_daftar, coalesce(p.person_id, q.person_id) as person_id
            from niks as n
            left join persons as p on length(n.nik) = 16 and p.nik = n.nik
            left join persons as q on p.person_id is null and n.nama is not null
                and upper(trim(q.nama)) = upper(trim(n.nama)) and q.tanggal_lahir = n.tanggal_lahir
        ),
        votes as (
            select r.id_daftar, p.family_id, count(*) as n,
                count(*) filter (where p.tanggal_meninggal is null) as alive
            from (select distinct id_daftar, person_id from resolved where person_id is not null) as r
            join persons as p using (person_id)
            group by all
        ),
        by_person as (
            select id_daftar, arg_max(family_id, n) as family_id, sum(n) as resolved, sum(alive) as alive
            from votes group by id_daftar
        )
        select l.id_daftar, l.list_no, l.tanggal_terbit, l.kode_desa, l.alamat, l.rt, l.rw, l.no_kk,
            l.nik_kepala_keluarga, coalesce(k.family_id, b.family_id) as family_id,
            case when k.family_id is not null then 'no_kk' when b.family_id is not null then 'person' end
                as matched_by,
            coalesce(b.resolved > 0 and b.alive = 0, false) as all_dead
        from listed as l left join by_kk as k using (id_daftar) left join by_person as b using (id_daftar)""")
    con.execute("""create or replace table listed_truth as
        select *, case when family_id is not null and not all_dead
                            and id_daftar <> first_value(id_daftar) over w
                       then first_value(id_daftar) over w end as listed_first
        from listed_truth
        -- a listing of dead persons only is answered MENINGGAL, never as the family's first listing
        window w as (partition by list_no, family_id, all_dead order by id_daftar)""")


def _dates(key: str, start: str, extract: dt.date) -> str:
    """A visit date drawn in [start, extract]."""
    end = f"DATE '{extract.isoformat()}'"
    return f"({start} + pick({key}, 'date', greatest(date_diff('day', {start}, {end}), 0) + 1))::DATE"


def _observed(key: str, r: dict, prefix: str = "f.") -> str:
    """Housing fields as the officer records them, and the errors that hit them."""
    fields = []
    for col in _HOUSING_FIELDS:
        codes = "[" + ", ".join(str(code) for code, _ in HOUSING[col][0]) + "]"
        fields.append(
            f"case when u({key}, 'ho:{col}') < {r['housing_not_observed']} then NULL "
            f"when u({key}, 'hm:{col}') < {r['housing_miscoded']} "
            f"then list_filter({codes}, lambda x: x <> {prefix}{col})"
            f"[1 + pick({key}, 'hc:{col}', {len(codes) - 1})] "
            f"else {prefix}{col} end as {col}"
        )
    miscoded = " or ".join(
        f"(u({key}, 'hm:{col}') < {r['housing_miscoded']} "
        f"and u({key}, 'ho:{col}') >= {r['housing_not_observed']})"
        for col in _HOUSING_FIELDS
    )
    return ", ".join(fields) + f", {miscoded} as housing_miscoded"


_REASON = """case when f.punya_mobil = 1 then 'MEMILIKI MOBIL'
    when f.punya_ac = 1 then 'MEMILIKI AC'
    when f.lantai in (1, 2, 3) and f.dinding = 1 then 'RUMAH PERMANEN BERLANTAI KERAMIK'
    when f.punya_kulkas = 1 and f.sumber_penerangan in (3, 4) then 'LISTRIK 1300 VA KE ATAS DAN KULKAS'
    else 'PENGHASILAN CUKUP, TIDAK MISKIN' end"""


def _counted(key: str, r: dict) -> str:
    return (
        f"greatest(1, f.living + case when u({key}, 'cnt') < {r['count_off']} "
        f"then case when u({key}, 'cnt:dir') < .5 then -1 else 1 end else 0 end)"
    )


def _visit_listings(con, r: dict, extract: dt.date, share: float) -> None:
    """visits: the listed families visited in this delivery, with what was found and why."""
    ext = f"DATE '{extract.isoformat()}'"
    poor_below = CLEARLY_NOT_POOR_FROM_DESIL
    key = "(l.id_daftar || '@' || " + sql_str(extract.isoformat()) + ")"
    con.execute(f"""create table visits as
        with candidates as (
            select l.*, {key} as k
            from listed_truth as l
            where coalesce(l.tanggal_terbit <= {ext}, true)
              and l.id_daftar not in (select id_daftar from earlier_truth where id_daftar is not null)
              and l.id_daftar not in (select id_daftar from earlier where jenis = 'VERIFIKASI'
                                      and id_daftar is not null)
              and u({key}, 'visit') < {share}
        ),
        judged as (
            select l.*, f.true_desil, f.living,
                -- a code that differs only in the regency prefix is a split region's old code
                case when l.listed_first is not null then 'duplicate_listing'
                     when l.family_id is null then 'no_such_family'
                     when l.all_dead or f.living = 0 then 'all_listed_dead'
                     when l.kode_desa <> f.kode_desa and substr(l.kode_desa, 5) <> substr(f.kode_desa, 5)
                         then 'moved_truth'
                     when f.living = 1 and u(l.k, 'died') < {r["died_since"]} then 'died_since'
                     when u(l.k, 'moved') < {r["moved_since"]} then 'moved_since'
                     when u(l.k, 'absent') < {r["not_found_real"]} then 'not_found_real'
                     when u(l.k, 'misjudged') < {r["misjudged"]} then 'misjudged'
                     when f.true_desil < {poor_below} then 'poor'
                     else 'not_poor' end as cause
            from candidates as l left join fam as f using (family_id)
        ),
        destination as (
            select j.id_daftar, v.kode_desa as new_desa
            from judged as j
            join villages as here on here.kode_desa = j.kode_desa
            join villages as v on v.district = here.district
                and v.i = (here.i + 1 + pick(j.k, 'dest', greatest(here.n - 1, 1))) % here.n
            where j.cause = 'moved_since' and u(j.k, 'dest:known') < {r["destination_known"]}
                and v.kode_desa <> j.kode_desa
        )
        select j.k, 'VERIFIKASI' as jenis, j.id_daftar, j.family_id, j.true_desil, j.cause, j.no_kk,
            j.nik_kepala_keluarga,
            case j.cause when 'duplicate_listing' then 'GANDA' when 'no_such_family' then 'TIDAK_DITEMUKAN'
                 when 'not_found_real' then 'TIDAK_DITEMUKAN' when 'all_listed_dead' then 'MENINGGAL'
                 when 'died_since' then 'MENINGGAL' when 'moved_truth' then 'PINDAH'
                 when 'moved_since' then 'PINDAH' when 'poor' then 'LAYAK' when 'not_poor' then 'TIDAK_LAYAK'
                 else case when j.true_desil < {poor_below} then 'TIDAK_LAYAK' else 'LAYAK' end
                 end as hasil,
            case when j.cause = 'moved_truth' then f.kode_desa else coalesce(d.new_desa, j.kode_desa) end
                as kode_desa,
            case when j.cause = 'moved_truth' then f.alamat when j.cause = 'moved_since' then NULL
                 else j.alamat end as alamat,
            case when j.cause = 'moved_truth' then f.rt when j.cause = 'moved_since' then NULL else j.rt end
                as rt,
            case when j.cause = 'moved_truth' then f.rw when j.cause = 'moved_since' then NULL else j.rw end
                as rw,
            d.new_desa is not null or j.cause = 'moved_truth' as destination_known,
            {_observed("j.k", r)},
            {_counted("j.k", r)} as jumlah_anggota,
            {_dates("j.k", f"greatest({ext} - {PERIOD_DAYS - 1}, j.tanggal_terbit)", extract)}
                as tanggal_kunjungan,
            {_REASON} as reason_not_poor
        from judged as j left join fam as f using (family_id) left join destination as d using (id_daftar)""")
    con.execute(f"""create or replace table visits as
        select visits.* exclude (reason_not_poor, destination_known),
            case hasil when 'GANDA' then 'id_daftar=' || l.listed_first
                 when 'TIDAK_LAYAK' then reason_not_poor
                 when 'TIDAK_DITEMUKAN' then 'TIDAK DITEMUKAN DI ALAMAT'
                 when 'MENINGGAL' then 'TIDAK ADA ANGGOTA YANG MASIH HIDUP'
                 when 'PINDAH' then case when destination_known then 'PINDAH KE DESA ' || visits.kode_desa
                                         else 'PINDAH, TUJUAN TIDAK DIKETAHUI' end
            end as alasan,
            hasil in ('LAYAK', 'TIDAK_LAYAK') as found,
            u(k, 'idw') < {r["id_daftar_wrong"]} as id_daftar_wrong,
            NULL::VARCHAR as repeat_of
        from visits join listed_truth as l using (id_daftar)""")


def _household_visits(
    con, table: str, jenis: str, chosen: str, hasil: str, alasan: str, extract: dt.date, r: dict
) -> None:
    """Visits of true families not answering a list (proposals and objections)."""
    ext = f"DATE '{extract.isoformat()}'"
    con.execute(f"""create table {table} as
        select k, '{jenis}' as jenis, id_daftar, f.family_id, f.true_desil, cause, f.no_kk,
            p.nik as nik_kepala_keluarga, {hasil} as hasil, f.kode_desa, f.alamat, f.rt, f.rw,
            {_observed("k", r)}, {_counted("k", r)} as jumlah_anggota,
            {_dates("k", f"{ext} - {PERIOD_DAYS - 1}", extract)} as tanggal_kunjungan,
            {alasan} as alasan, true as found, false as id_daftar_wrong, NULL::VARCHAR as repeat_of
        from ({chosen}) as c join fam as f using (family_id)
        left join persons as p on p.person_id = f.head_id""")


def _regencies() -> str:
    return "(select distinct substr(kode_desa, 1, 4) from listed where kode_desa is not null)"


def _proposals(con, r: dict, extract: dt.date) -> None:
    """usulan: families no source holds, in the listed regencies, proposed by their village."""
    key = f"(f.family_id::VARCHAR || '@' || {sql_str(extract.isoformat())})"
    chosen = f"""
        select f.family_id, {key} as k, NULL::VARCHAR as id_daftar,
            case when f.true_desil <= 4 then 'unsourced_poor' else 'unsourced_not_poor' end as cause
        from fam as f
        where f.living > 0 and substr(f.kode_desa, 1, 4) in {_regencies()}
          and f.family_id not in (select family_id from sourced)
          and f.family_id not in (select family_id from listed_truth where family_id is not null)
          and f.family_id not in (select family_id from earlier_truth where jenis = 'USULAN'
                                  and family_id is not null)
          and ((f.true_desil <= 4 and u({key}, 'usulan') < {r["usulan_poor"]})
               or (f.true_desil in (5, 6) and u({key}, 'usulan') < {r["usulan_not_poor"]}))"""
    poor = f"f.true_desil < {CLEARLY_NOT_POOR_FROM_DESIL}"
    hasil = f"case when {poor} then 'LAYAK' else 'TIDAK_LAYAK' end"
    alasan = f"case when {poor} then 'USULAN MUSYAWARAH DESA' else {_REASON} end"
    _household_visits(con, "usulan", "USULAN", chosen, hasil, alasan, extract, r)


def _objections(con, r: dict, landing: Path, extract: dt.date) -> None:
    """sanggahan: DTKS recipient families of the listed regencies the public objects to."""
    con.execute("create table recipients (family_id BIGINT)")
    folders = sorted(
        f
        for f in (landing / "dtks").glob("*")
        if (f / MANIFEST_NAME).is_file() and (f / "rumah_tangga.csv").is_file()
    )
    if folders:
        path = sql_str(folders[-1] / "rumah_tangga.csv")
        con.execute(f"""insert into recipients
            select distinct t.family_id
            from read_csv({path}, header=true, all_varchar=true, delim=';', quote='"', escape='"') as h
            join household_records as t on t.source = 'dtks' and t.file = 'rumah_tangga.csv'
                and t.record_id = h.id_rt
            where t.family_id is not null
              and '1' in (h.penerima_pkh, h.penerima_bpnt, h.penerima_pbi_jk)""")
    key = f"(f.family_id::VARCHAR || '@' || {sql_str(extract.isoformat())} || ':objection')"
    chosen = f"""
        select f.family_id, {key} as k,
            (select min(id_daftar) from listed_truth as l
             where l.family_id = f.family_id and not l.all_dead) as id_daftar,
            case when f.true_desil >= 7 then 'recipient_rich' else 'recipient_poor' end as cause
        from fam as f
        where f.family_id in (select family_id from recipients) and f.living > 0
          and substr(f.kode_desa, 1, 4) in {_regencies()}
          and f.family_id not in (select family_id from earlier_truth where jenis = 'SANGGAHAN'
                                  and family_id is not null)
          and ((f.true_desil >= 7 and u({key}, 'sanggahan') < {r["sanggahan_rich"]})
               or (f.true_desil <= 4 and u({key}, 'sanggahan') < {r["sanggahan_unfounded"]}))"""
    hasil = "case when f.true_desil >= 7 then 'TIDAK_LAYAK' else 'LAYAK' end"
    alasan = f"case when f.true_desil >= 7 then {_REASON} else 'SANGGAHAN TIDAK TERBUKTI' end"
    _household_visits(con, "sanggahan", "SANGGAHAN", chosen, hasil, alasan, extract, r)


def _repeats(con, r: dict, extract: dt.date) -> None:
    """repeats: VERIFIKASI visits of earlier deliveries that an office made again."""
    ext = f"DATE '{extract.isoformat()}'"
    con.execute(f"""create table repeats as
        with chosen as (
            select e.*, (e.delivery || '/' || e.id_kunjungan || '@' || {sql_str(extract.isoformat())}) as k,
                try_cast(e.tanggal_kunjungan as DATE) as earlier_date
            from earlier as e
            where e.jenis = 'VERIFIKASI' and u(e.delivery || '/' || e.id_kunjungan, 'repeat:'
                  || {sql_str(extract.isoformat())}) < {r["repeat_visit"]}
        )
        select c.*, {_dates("c.k", f"greatest({ext} - {PERIOD_DAYS - 1}, c.earlier_date + 1)", extract)}
                as new_date,
            t.id_daftar as true_id_daftar, t.family_id, t.true_desil, t.cause
        from chosen as c
        left join earlier_truth as t
            on t.extract_date::VARCHAR = c.delivery and t.id_kunjungan = c.id_kunjungan
        where c.earlier_date is not null and c.earlier_date < {ext}""")


# ------------------------------------------------------------------------------ output


def _number_and_type(con, r: dict, extract: dt.date) -> None:
    """delivered: every row of hasil_verifikasi.csv as text, with its truth; members: the
    rows of anggota_usulan.csv. Identifiers are typed here (the officers' errors)."""
    housing = ", ".join(_HOUSING_FIELDS)
    stamp = extract.strftime("%Y%m%d")
    con.execute(f"""create table all_visits as
        select k, jenis, id_daftar, family_id, true_desil, cause, no_kk, nik_kepala_keluarga, hasil, alasan,
            kode_desa, alamat, rt, rw, {housing}, jumlah_anggota, tanggal_kunjungan, found, id_daftar_wrong,
            housing_miscoded, repeat_of
        from (select * from visits union all by name select * from usulan
              union all by name select * from sanggahan)""")
    con.execute(f"""create table delivered as
        with numbered as (
            select *, 'KJ-{stamp}-' || lpad(row_number() over (order by
                case jenis when 'VERIFIKASI' then 1 when 'USULAN' then 2 else 3 end, kode_desa, k)::VARCHAR,
                6, '0') as id_kunjungan
            from all_visits
        ),
        typed as (
            select n.*,
                case when id_daftar_wrong and regexp_matches(id_daftar, '[0-9]$')
                     then id_daftar[:-2] || ((id_daftar[-1:]::INTEGER + 1 + pick(k, 'idd', 9)) % 10)::VARCHAR
                     else id_daftar end as id_daftar_delivered,
                regexp_matches(coalesce(no_kk, ''), '^[0-9]{{16}}$') and u(k, 'kk') < {r["no_kk_typed"]}
                    as no_kk_typed,
                regexp_matches(coalesce(nik_kepala_keluarga, ''), '^[0-9]{{16}}$')
                    and u(k, 'nik') < {r["nik_typed"]} as nik_typed
            from numbered as n
        )
        select id_kunjungan, jenis, id_daftar_delivered, id_daftar, family_id, true_desil, cause, hasil,
            case when no_kk_typed then damage_id(no_kk, nik_form(k, 'kkf'), k || ':kk') else no_kk end
                as no_kk,
            case when nik_typed then damage_id(nik_kepala_keluarga, nik_form(k, 'nikf'), k || ':nik')
                 else nik_kepala_keluarga end as nik_kepala_keluarga,
            kode_desa, alamat, rt, rw, alasan,
            {", ".join(f"case when found then {c} end as {c}" for c in _HOUSING_FIELDS)},
            case when found then jumlah_anggota end as jumlah_anggota,
            tanggal_kunjungan,
            'PTG-' || substr(kode_desa, 1, 4) || '-'
                || lpad((1 + pick(substr(kode_desa, 1, 7), 'officer', 20))::VARCHAR, 3, '0') as petugas,
            list_filter(['id_daftar_wrong', 'no_kk_typed', 'nik_typed', 'housing_miscoded', 'count_off'],
                lambda x: (x = 'id_daftar_wrong' and id_daftar_delivered is distinct from id_daftar)
                     or (x = 'no_kk_typed' and no_kk_typed) or (x = 'nik_typed' and nik_typed)
                     or (x = 'housing_miscoded' and found and housing_miscoded)
                     or (x = 'count_off' and found and u(k, 'cnt') < {r["count_off"]})) as errors,
            repeat_of, k
        from typed""")
    # Repeated visits: the earlier row as delivered, with a new id and date.
    base = one(con, "select count(*) from delivered")[0]
    con.execute(f"""insert into delivered by name
        select 'KJ-{stamp}-' || lpad(({base} + row_number() over (order by delivery, id_kunjungan))::VARCHAR,
                6, '0') as id_kunjungan,
            jenis, id_daftar as id_daftar_delivered, coalesce(true_id_daftar, id_daftar) as id_daftar,
            family_id,
            true_desil, cause, hasil, no_kk, nik_kepala_keluarga, kode_desa, alamat, rt, rw, alasan,
            {", ".join(f"try_cast({c} as INTEGER) as {c}" for c in _HOUSING_FIELDS)},
            try_cast(jumlah_anggota as INTEGER) as jumlah_anggota, new_date as tanggal_kunjungan, petugas,
            ['repeat_visit'] as errors, delivery || '/' || id_kunjungan as repeat_of, k
        from repeats""")
    shdk = " ".join(f"when {code} then '{word}'" for code, word in _SHDK.items())
    con.execute(f"""create table members as
        select d.id_kunjungan, p.person_id,
            case when p.nik is not null and u(d.k || p.person_id, 'mnik') < {r["nik_typed"]}
                 then damage_id(p.nik, nik_form(d.k || p.person_id, 'mnikf'), d.k || p.person_id)
                 else p.nik end as nik,
            p.nik is not null and u(d.k || p.person_id, 'mnik') < {r["nik_typed"]} as nik_typed,
            p.nama, case p.jenis_kelamin when 1 then 'L' else 'P' end as jenis_kelamin, p.tanggal_lahir,
            case p.hubungan {shdk} when 2 then case when p.jenis_kelamin = 2 then 'ISTRI' else 'SUAMI' end end
                as hubungan
        from delivered as d join persons as p on p.family_id = d.family_id and p.tanggal_meninggal is null
        where d.jenis = 'USULAN'
        order by d.id_kunjungan, p.hubungan, p.person_id""")


def _hasil_select() -> str:
    columns = [
        "id_daftar_delivered as id_daftar"
        if c == "id_daftar"
        else "strftime(tanggal_kunjungan, '%Y-%m-%d') as tanggal_kunjungan"
        if c == "tanggal_kunjungan"
        else f"{c}::VARCHAR as {c}"
        for c in HASIL_COLUMNS
    ]
    return f"select {', '.join(columns)} from delivered order by id_kunjungan"


def _anggota_select() -> str:
    return (
        "select id_kunjungan, nik, nama, jenis_kelamin, "
        "strftime(tanggal_lahir, '%Y-%m-%d') as tanggal_lahir, hubungan "
        "from members order by id_kunjungan, hubungan = 'KEPALA KELUARGA' desc, nama"
    )


_TRUTH_VISITS = "kunjungan.parquet"
_TRUTH_MEMBERS = "anggota_usulan.parquet"


def _write_truth(con, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(f"""copy (
        select extract_date, id_kunjungan, jenis, id_daftar, id_daftar_delivered,
            family_id::BIGINT as family_id,
            true_desil::INTEGER as true_desil, hasil, cause, errors, repeat_of
        from (select DATE '{folder.name}' as extract_date, * from delivered) order by id_kunjungan
        ) to {sql_str(folder / _TRUTH_VISITS)} (format parquet, compression zstd)""")
    con.execute(f"""copy (
        select id_kunjungan, person_id::BIGINT as person_id,
            case when nik_typed then ['nik_typed'] else []::VARCHAR[] end as errors
        from members order by id_kunjungan, person_id
        ) to {sql_str(folder / _TRUTH_MEMBERS)} (format parquet, compression zstd)""")


def _summary(con, extract: dt.date, rows: dict[str, int], pairs) -> dict:
    counts = con.sql("select jenis, hasil, count(*) from delivered group by all order by all").fetchall()
    by_jenis: dict[str, dict[str, int]] = {}
    for jenis, hasil, n in counts:
        by_jenis.setdefault(jenis, {})[hasil] = n
    issued = one(con, f"select count(*) filter (where tanggal_terbit > DATE '{extract}') from listed")[0]
    return {
        "extract_date": extract.isoformat(),
        "lists": len(pairs),
        "listed_families": one(con, "select count(*) from listed")[0],
        "issued_after_extract": issued,
        "visits": by_jenis,
        "repeated": one(con, "select count(*) from repeats")[0],
        "rows": rows,
    }
