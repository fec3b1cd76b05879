"""The next month's deliveries: Dukcapil and DTKS deliver again, about 2 % of records changed.

The monthly sources are redelivered from their current delivery (the others keep theirs):

* Dukcapil, one month later: deaths (tanggal_meninggal set), families moving to another
  village of their district (every member's kode_desa, alamat, RT/RW), adult children
  leaving for a new family card (new no_kk, now head of it), and births (a new row at the
  end of the file, in a family with a wife, with a new NIK); every changed row gets a new
  tanggal_update.
* DTKS, one month later: programme flags flipped in some households (verivali), and the
  births of registered families added as members, jumlah_art following.

Draws are hashes of (seed, record, salt) as in the generator, so the same landing and seed
give the same bytes. The truth folder is not updated: this is for incremental builds and
their tests, not for evaluation.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from dtsen.contract import DIALECTS, FILES
from dtsen.generate import db
from dtsen.generate.db import one, sql_str
from dtsen.generate.writer import write_delivery
from dtsen.landing import scan_landing

# Share of the source's persons (or families, or households) each change touches.
MONTHLY_CHANGES = {
    "death": 0.005,  # living persons
    "move": 0.01,  # family cards: every member moves, about 1.1 % of persons
    "new_family_card": 0.02,  # adult children (ANAK, 20 or older)
    "birth": 0.012,  # family cards with a wife; one child each
    "dtks_flags": 0.02,  # DTKS households
}


def _read(source: str, path: Path) -> str:
    dialect = DIALECTS[source]
    return (
        f"read_csv({sql_str(path)}, delim='{dialect.delimiter}', header=true, all_varchar=true, "
        "quote='\"', escape='\"')"
    )


def _next_month(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, 28))


def next_month(landing: Path, seed: int, changes: dict[str, float] | None = None) -> dict[str, dict]:
    """Write next month's Dukcapil and DTKS deliveries into `landing` from their current ones.
    Returns, per source, the new extract date, rows per file and how many records each
    change touched."""
    rates = {**MONTHLY_CHANGES, **(changes or {})}
    with tempfile.TemporaryDirectory(prefix="dtsen-month-") as workdir:
        con = db.connect(Path(workdir), seed)
        try:
            current = {
                r.source: (Path(r.file_path).parent, r.extract_date)
                for r in scan_landing(landing, con)
                if r.status == "current"
            }
            return {
                "dukcapil": _dukcapil(con, landing, *current["dukcapil"], rates),
                "dtks": _dtks(con, landing, *current["dtks"], rates),
            }
        finally:
            con.close()


def _dukcapil(con, landing: Path, folder: Path, extract: dt.date, rates: dict) -> dict:
    new = _next_month(extract)
    days = (new - extract).days
    stamp = f"'{new.isoformat()} 08:00:00'"
    con.execute(f"""create or replace table penduduk as
        select row_number() over () as rn, * from {_read("dukcapil", folder / "penduduk.csv")}""")
    # The changes, chosen per person or per family card.
    con.execute(f"""create or replace table changed as
        with persons as (
            select rn, nik, no_kk, shdk, kode_desa, tanggal_meninggal is null as alive,
                   try_cast(substr(tanggal_lahir, 1, 4) as integer) as birth_year
            from penduduk
        ),
        moving_cards as (
            select no_kk, any_value(kode_desa) as kode_desa from persons
            where alive and no_kk is not null group by no_kk
            having u(no_kk, 'month:move') < {rates["move"]}
        ),
        -- a village of the same district (first six digits), drawn per family card
        villages as (
            select distinct kode_desa, substr(kode_desa, 1, 6) as district from persons
                where kode_desa is not null
        ),
        numbered as (
            select *, row_number() over (partition by district order by kode_desa) - 1 as i,
                   count(*) over (partition by district) as n
            from villages
        ),
        destinations as (
            select m.no_kk, v.kode_desa as new_desa
            from moving_cards as m
            join numbered as here on here.kode_desa = m.kode_desa
            join numbered as v on v.district = here.district
                and v.i = (here.i + 1 + pick(m.no_kk, 'month:village', greatest(here.n - 1, 1))) % here.n
            where v.kode_desa <> m.kode_desa
        )
        select p.rn,
               p.alive and u(p.rn, 'month:death') < {rates["death"]} as dies,
               d.new_desa,
               p.alive and p.shdk = 'ANAK' and p.birth_year <= {new.year - 20}
                   and d.new_desa is null and u(p.rn, 'month:card') < {rates["new_family_card"]} as new_card
        from persons as p left join destinations as d on d.no_kk = p.no_kk
    """)
    con.execute(f"""create or replace table births as
        with mothers as (
            select p.*, row_number() over (order by p.rn) as k
            from penduduk as p join changed as c using (rn)
            where p.shdk = 'ISTRI' and p.tanggal_meninggal is null and not c.dies and c.new_desa is null
              and u(p.no_kk, 'month:birth') < {rates["birth"]}
        ),
        babies as (
            select m.*, u(m.rn, 'month:girl') < 0.49 as girl,
                   date '{extract.isoformat()}' + 1 + pick(m.rn, 'month:day', {days}) as born
            from mothers as m
        ),
        -- a name drawn among the living persons of the baby's sex
        names as (
            select nama_lengkap, jenis_kelamin = 'PEREMPUAN' as girl,
                   row_number() over (partition by jenis_kelamin order by rn) - 1 as i,
                   count(*) over (partition by jenis_kelamin) as n
            from penduduk where jenis_kelamin in ('LAKI-LAKI', 'PEREMPUAN')
        ),
        -- drawn before the join, so that it is an equi-join on (sex, i): drawn in the join
        -- condition it compared every baby with every name of its sex
        drawn as (
            select b.*, pick(b.rn, 'month:name', s.n) as name_i
            from babies as b join (select distinct girl, n from names) as s using (girl)
        )
        select b.k, b.no_kk, b.kode_desa, b.alamat, b.rt, b.rw, b.agama, b.tempat_lahir, b.girl, b.born,
               substr(b.kode_desa, 1, 6)
                   || lpad(cast(day(b.born) + case when b.girl then 40 else 0 end as varchar), 2, '0')
                   || strftime(b.born, '%m%y')
                   || lpad(cast(9000 + pick(b.rn, 'month:serial', 1000) as varchar), 4, '0') as nik,
               names.nama_lengkap
        from drawn as b
        join names on names.girl = b.girl and names.i = b.name_i
    """)
    # A new NIK must not exist already (it would be another person's).
    con.execute("delete from births where nik in (select nik from penduduk where nik is not null)")
    con.execute("delete from births where nik in (select nik from births group by nik having count(*) > 1)")
    new_kk = f"""substr(p.kode_desa, 1, 6) || strftime(date '{new.isoformat()}', '%d%m%y')
                 || lpad(cast(5000 + pick(p.rn, 'month:kk', 5000) as varchar), 4, '0')"""
    select = f"""
        select p.nik,
               case when c.new_card then {new_kk} else p.no_kk end as no_kk,
               p.nama_lengkap, p.jenis_kelamin, p.tempat_lahir, p.tanggal_lahir, p.agama, p.status_kawin,
               case when c.new_card then 'KEPALA KELUARGA' else p.shdk end as shdk,
               p.pendidikan, p.pekerjaan,
               coalesce(c.new_desa, p.kode_desa) as kode_desa,
               case when c.new_desa is not null then 'PINDAHAN DARI ' || p.kode_desa else p.alamat end
                   as alamat,
               p.rt, p.rw,
               case when c.dies
                   then strftime(date '{extract.isoformat()}' + 1 + pick(p.rn, 'month:died', {days}),
                                 '%Y-%m-%d')
                   else p.tanggal_meninggal end as tanggal_meninggal,
               case when c.dies or c.new_card or c.new_desa is not null then {stamp} else p.tanggal_update end
                   as tanggal_update,
               p.rn as sort_key
        from penduduk as p join changed as c using (rn)
        union all
        select nik, no_kk, nama_lengkap, case when girl then 'PEREMPUAN' else 'LAKI-LAKI' end, tempat_lahir,
               strftime(born, '%Y-%m-%d'), agama, 'BELUM KAWIN', 'ANAK', 'TIDAK/BELUM SEKOLAH',
               'BELUM/TIDAK BEKERJA', kode_desa, alamat, rt, rw, null, {stamp},
               (select max(rn) from penduduk) + k
        from births"""
    columns = ", ".join(FILES["dukcapil"]["penduduk.csv"])
    rows = write_delivery(
        con,
        "dukcapil",
        new.isoformat(),
        landing,
        {"penduduk.csv": f"select {columns} from ({select}) order by sort_key"},
    )
    counts = one(
        con,
        """select count(*) filter (where dies), count(*) filter (where new_desa is not null),
                                count(*) filter (where new_card) from changed""",
    )
    touched = dict(zip(("deaths", "persons_moved", "new_family_cards"), counts))
    touched["births"] = one(con, "select count(*) from births")[0]
    return {"extract_date": new.isoformat(), "rows": rows, "changes": touched}


def _dtks(con, landing: Path, folder: Path, extract: dt.date, rates: dict) -> dict:
    new = _next_month(extract)
    verivali = f"'{new.strftime('%d/%m/%Y')}'"
    con.execute(f"""create or replace table rumah_tangga as
        select row_number() over () as rn, * from {_read("dtks", folder / "rumah_tangga.csv")}""")
    con.execute(f"""create or replace table anggota as
        select row_number() over () as rn, * from {_read("dtks", folder / "anggota.csv")}""")
    # Births (from this month's Dukcapil, up to DTKS's extract) in families DTKS lists, as
    # new members of that household.
    con.execute(f"""create or replace table new_members as
        select row_number() over (order by b.k) as k, h.id_rt, b.nik, b.no_kk, b.nama_lengkap, b.girl, b.born
        from births as b
        join (select no_kk, min(id_rt) as id_rt from anggota where no_kk is not null group by no_kk) as h
            using (no_kk)
        where b.born <= date '{new.isoformat()}'""")
    con.execute(f"""create or replace table flipped as
        select id_rt, 1 + pick(id_rt, 'month:flag', 3) as flag from rumah_tangga
        where u(id_rt, 'month:dtks') < {rates["dtks_flags"]}""")

    def flag(n: int, column: str) -> str:
        return (
            f"case when f.flag = {n} then case r.{column} when '1' then '0' else '1' end "
            f"else r.{column} end as {column}"
        )

    household_columns = [
        "case when n.added is not null then cast(cast(r.jumlah_art as integer) + n.added as varchar) "
        "else r.jumlah_art end as jumlah_art"
        if c == "jumlah_art"
        else flag(1, c)
        if c == "penerima_pkh"
        else flag(2, c)
        if c == "penerima_bpnt"
        else flag(3, c)
        if c == "penerima_pbi_jk"
        else f"case when f.id_rt is not null or n.added is not null then {verivali} "
        "else r.tanggal_verivali end as tanggal_verivali"
        if c == "tanggal_verivali"
        else f"r.{c}"
        for c in FILES["dtks"]["rumah_tangga.csv"]
    ]
    households = f"""
        select {", ".join(household_columns)}
        from rumah_tangga as r
        left join flipped as f using (id_rt)
        left join (select id_rt, count(*) as added from new_members group by id_rt) as n using (id_rt)
        order by r.rn"""
    members = f"""
        select {", ".join(FILES["dtks"]["anggota.csv"])} from (
            select *, rn as sort_key from anggota
            union all by name
            select 'ARTB' || strftime(date '{new.isoformat()}', '%y%m')
                || lpad(cast(k as varchar), 7, '0') as id_art,
                   id_rt, nik, no_kk, nama_lengkap as nama, case when girl then '2' else '1' end
                       as jenis_kelamin,
                   strftime(born, '%d/%m/%Y') as tanggal_lahir, '3' as hub_krt, '0' as partisipasi_sekolah,
                   '0' as disabilitas, '0' as hamil, '0' as penerima_pip,
                   (select max(rn) from anggota) + k as sort_key
            from new_members
        ) order by sort_key"""
    rows = write_delivery(
        con, "dtks", new.isoformat(), landing, {"rumah_tangga.csv": households, "anggota.csv": members}
    )
    touched = {
        "households_flags_flipped": one(con, "select count(*) from flipped")[0],
        "members_born": one(con, "select count(*) from new_members")[0],
    }
    return {"extract_date": new.isoformat(), "rows": rows, "changes": touched}
