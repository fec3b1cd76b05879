-- Administrative targeting errors of today's DTKS recipient lists against DTSEN
-- eligibility (fct_eligibility), per programme, nationally, per province and per regency
-- (Coady, Grosh & Hoddinott 2004): inclusion error = recipients not eligible / recipients;
-- exclusion error = eligible families not receiving / eligible families. Beside them the
-- "data" errors among recipients: dead, unknown to the civil register, listed in another
-- receiving family, or receiving through two DTKS households.
with eligibility as (
    select
        program,
        kode_provinsi,
        kode_kabupaten_kota,
        layak,
        menerima,
        penerima_meninggal,
        penerima_tidak_di_dukcapil,
        penerima_ganda,
        penerima_rumah_tangga_ganda
    from {{ ref('fct_eligibility') }}
    where menerima is not null
),

counts as (
    select
        program,
        {{ rollup_region_level() }} as tingkat,
        {{ rollup_region_code() }} as kode_wilayah,
        count(*) filter (where menerima) as jumlah_penerima,
        count(*) filter (where menerima and not layak) as penerima_tidak_layak,
        count(*) filter (where layak) as jumlah_layak,
        count(*) filter (where layak and not menerima) as layak_tidak_menerima,
        count(*) filter (where penerima_meninggal) as penerima_meninggal,
        count(*) filter (where penerima_tidak_di_dukcapil) as penerima_tidak_di_dukcapil,
        count(*) filter (where penerima_ganda) as penerima_ganda,
        count(*) filter (where penerima_rumah_tangga_ganda) as penerima_rumah_tangga_ganda,
        count(*) filter (
            where penerima_meninggal or penerima_tidak_di_dukcapil or penerima_ganda or penerima_rumah_tangga_ganda
        ) as penerima_data_bermasalah
    from eligibility
    group by program, rollup(kode_provinsi, kode_kabupaten_kota)
)

select
    counts.program,
    counts.tingkat,
    counts.kode_wilayah,
    region_names.nama_wilayah,
    counts.jumlah_penerima,
    counts.penerima_tidak_layak,
    counts.jumlah_layak,
    counts.layak_tidak_menerima,
    counts.penerima_meninggal,
    counts.penerima_tidak_di_dukcapil,
    counts.penerima_ganda,
    counts.penerima_rumah_tangga_ganda,
    counts.penerima_data_bermasalah,
    counts.penerima_tidak_layak / nullif(counts.jumlah_penerima, 0) as inclusion_error_rate,
    counts.layak_tidak_menerima / nullif(counts.jumlah_layak, 0) as exclusion_error_rate,
    counts.penerima_data_bermasalah / nullif(counts.jumlah_penerima, 0) as data_error_rate
from counts
left join {{ ref('int_region_names') }} as region_names on counts.kode_wilayah = region_names.kode_wilayah
