-- The verification lists issued so far (dtsen export verifikasi): one row per listed family.
select
    cast(id_daftar as {{ dbt.type_string() }}) as id_daftar,
    cast(id_ekspor as {{ dbt.type_string() }}) as id_ekspor,
    cast(tanggal_terbit as date) as tanggal_terbit,
    cast(family_key as {{ dbt.type_string() }}) as family_key,
    cast(kode_kabupaten_kota as {{ dbt.type_string() }}) as kode_kabupaten_kota,
    cast(kode_desa as {{ dbt.type_string() }}) as kode_desa,
    cast(alamat as {{ dbt.type_string() }}) as alamat,
    cast(rt as {{ dbt.type_string() }}) as rt,
    cast(rw as {{ dbt.type_string() }}) as rw,
    cast(no_kk as {{ dbt.type_string() }}) as no_kk,
    cast(nik_kepala_keluarga as {{ dbt.type_string() }}) as nik_kepala_keluarga,
    cast(nama_kepala_keluarga as {{ dbt.type_string() }}) as nama_kepala_keluarga,
    cast(alasan_daftar as {{ dbt.type_string() }}) as alasan_daftar,
    cast(semua_alasan as {{ dbt.type_string() }}) as semua_alasan,
    cast(prioritas as integer) as prioritas,
    cast(build_id as {{ dbt.type_string() }}) as build_id
from {{ source('daftar', 'daftar_verifikasi') }}
