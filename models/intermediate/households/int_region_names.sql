-- The name of every region a mart reports on, keyed the way the marts key their rows:
-- 'nasional' for the country, 2-digit province and 4-digit regency/city codes.
select
    'nasional' as kode_wilayah,
    'Indonesia' as nama_wilayah
union all
select
    kode_provinsi as kode_wilayah,
    nama_provinsi as nama_wilayah
from {{ ref('ref_provinsi') }}
union all
select
    kode_kabupaten_kota as kode_wilayah,
    nama_kabupaten_kota as nama_wilayah
from {{ ref('ref_kabupaten_kota') }}
