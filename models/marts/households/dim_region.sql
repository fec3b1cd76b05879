-- Kemendagri regions, one row per village in force, with the district, regency and
-- province it lies in and their names.
select
    desa.kode_desa,
    desa.nama_desa,
    kecamatan.kode_kecamatan,
    kecamatan.nama_kecamatan,
    kabupaten.kode_kabupaten_kota,
    kabupaten.nama_kabupaten_kota,
    provinsi.kode_provinsi,
    provinsi.nama_provinsi,
    -- The 7th digit of a village code is 1 for an urban kelurahan, 2 for a rural desa.
    substr(desa.kode_desa, 7, 1) = '1' as is_kelurahan
from {{ ref('ref_desa') }} as desa
inner join {{ ref('ref_kecamatan') }} as kecamatan on desa.kode_kecamatan = kecamatan.kode_kecamatan
inner join {{ ref('ref_kabupaten_kota') }} as kabupaten on kecamatan.kode_kabupaten_kota = kabupaten.kode_kabupaten_kota
inner join {{ ref('ref_provinsi') }} as provinsi on kabupaten.kode_provinsi = provinsi.kode_provinsi
