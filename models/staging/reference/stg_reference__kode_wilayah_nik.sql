-- Regency prefixes a NIK, KK or village code may carry: every code in force, and every
-- code retired by a split or renumbering (old NIKs keep the prefix they were issued with).
with in_force as (
    select
        kode_kabupaten_kota,
        true as is_in_force
    from {{ ref('ref_kabupaten_kota') }}
),

retired as (
    select
        kode_lama as kode_kabupaten_kota,
        min(kode_baru) as kode_baru,
        count(distinct kode_baru) as successor_count
    from {{ ref('ref_kode_wilayah_historis') }}
    group by kode_lama
)

select
    coalesce(in_force.kode_kabupaten_kota, retired.kode_kabupaten_kota) as kode_kabupaten_kota,
    coalesce(in_force.is_in_force, false) as is_in_force,
    retired.kode_kabupaten_kota is not null as is_retired_code,
    -- A retired code split between several successors has no single code in force.
    case when retired.successor_count = 1 then retired.kode_baru end as kode_baru
from in_force
full outer join retired
    on in_force.kode_kabupaten_kota = retired.kode_kabupaten_kota
