-- The effect of field results on each programme's list per regency/city: families eligible
-- from central data only (before) and after field results, those field results made
-- eligible and those they made no longer eligible, and the recipients among the latter.
select
    eligibility.kode_provinsi,
    eligibility.kode_kabupaten_kota,
    eligibility.program,
    count(*) filter (where eligibility.layak_tanpa_verifikasi) as keluarga_layak_sebelum,
    count(*) filter (where eligibility.layak) as keluarga_layak_sesudah,
    count(*) filter (where eligibility.layak and not eligibility.layak_tanpa_verifikasi) as keluarga_menjadi_layak,
    count(*) filter (where eligibility.layak_tanpa_verifikasi and not eligibility.layak)
        as keluarga_tidak_lagi_layak,
    count(*) filter (where eligibility.layak_tanpa_verifikasi and not eligibility.layak and eligibility.menerima)
        as penerima_tidak_lagi_layak
from {{ ref('fct_eligibility') }} as eligibility
group by eligibility.kode_provinsi, eligibility.kode_kabupaten_kota, eligibility.program
