-- How the national desil is distributed, nationally, per province and per regency: for
-- each region and desil the families, the persons, their share of the region's persons
-- and their mean predicted welfare (per person, averaged over persons).
with counts as (
    select
        desil_nasional,
        {{ rollup_region_level() }} as tingkat,
        {{ rollup_region_code() }} as kode_wilayah,
        count(*) as jumlah_keluarga,
        cast(sum(jumlah_anggota) as bigint) as jumlah_jiwa,
        {{ exact_sum('jumlah_anggota * kesejahteraan_prediksi') }} / nullif(sum(jumlah_anggota), 0)
            as rata_rata_kesejahteraan_prediksi
    from {{ ref('fct_household_desil') }}
    group by desil_nasional, rollup(kode_provinsi, kode_kabupaten_kota)
)

select
    counts.tingkat,
    counts.kode_wilayah,
    region_names.nama_wilayah,
    counts.desil_nasional,
    counts.jumlah_keluarga,
    counts.jumlah_jiwa,
    counts.rata_rata_kesejahteraan_prediksi,
    counts.jumlah_jiwa / nullif(sum(counts.jumlah_jiwa) over (partition by counts.tingkat, counts.kode_wilayah), 0)
        as porsi_jiwa
from counts
left join {{ ref('int_region_names') }} as region_names on counts.kode_wilayah = region_names.kode_wilayah
