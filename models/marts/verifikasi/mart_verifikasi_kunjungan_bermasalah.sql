-- The field visits that changed nothing, for the district offices to follow up: visits that
-- match no family, visits inconsistent with their issued list, and visits matched but not
-- applied, each with its delivery and the reason. No NIK or KK: a visit is named by its
-- delivery and the office's own id.
select
    visits.id_kunjungan_lapangan,
    visits.extract_date,
    visits.id_kunjungan,
    visits.jenis,
    {{ mask_identifier_digits('visits.id_daftar') }} as id_daftar,
    visits.hasil,
    substr(visits.kode_desa, 1, 2) as kode_provinsi,
    substr(visits.kode_desa, 1, 4) as kode_kabupaten_kota,
    visits.kode_desa,
    visits.tanggal_kunjungan,
    visits.petugas,
    visits.status_penerapan,
    visits.keterangan
from {{ ref('int_field_visits') }} as visits
where not visits.diterapkan
