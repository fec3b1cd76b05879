-- The families a regency office should visit, once each, under their highest-priority
-- reason (seeds/ref_prioritas_verifikasi.csv: the ministry's order; a reason switched off
-- lists no family), in the order the list is printed. `dtsen export verifikasi` takes
-- them from here, minus families whose earlier listing is still open.
with priorities as (
    select
        alasan_daftar,
        prioritas
    from {{ ref('ref_prioritas_verifikasi') }}
    where aktif
),

reasons as (
    select
        reasons.family_key,
        reasons.alasan_daftar,
        reasons.desil_nasional,
        reasons.persen_penduduk_di_bawah,
        reasons.batas_persen,
        priorities.prioritas
    from {{ ref('int_verification_reasons') }} as reasons
    inner join priorities on reasons.alasan_daftar = priorities.alasan_daftar
),

families as (
    select
        family_key,
        min(prioritas) as prioritas,
        {{ ordered_string_agg('alasan_daftar', "','", 'prioritas') }} as semua_alasan,
        max(desil_nasional) as desil_nasional,
        max(persen_penduduk_di_bawah) as persen_penduduk_di_bawah
    from reasons
    group by family_key
)

select
    families.family_key,
    reasons.alasan_daftar,
    families.semua_alasan,
    families.prioritas,
    villages.kode_desa,
    families.desil_nasional,
    families.persen_penduduk_di_bawah,
    substr(villages.kode_desa, 1, 4) as kode_kabupaten_kota,
    -- Within a reason, the family nearest its reason's line (else the desil 4/5 line) first:
    -- it matters most to which side it falls. Then by village and family so the order never
    -- varies.
    row_number() over (
        order by
            families.prioritas asc,
            abs(families.persen_penduduk_di_bawah - coalesce(reasons.batas_persen, 40)) asc nulls last,
            villages.kode_desa asc nulls last,
            families.family_key asc
    ) as urutan
from families
inner join reasons on families.family_key = reasons.family_key and families.prioritas = reasons.prioritas
left join {{ ref('int_family_villages') }} as villages on families.family_key = villages.family_key
