-- The members of each issued listing, as they were printed on the list.
select
    cast(id_daftar as {{ dbt.type_string() }}) as id_daftar,
    cast(urutan as integer) as urutan,
    cast(nik as {{ dbt.type_string() }}) as nik,
    cast(nama as {{ dbt.type_string() }}) as nama,
    cast(jenis_kelamin as {{ dbt.type_string() }}) as jenis_kelamin,
    cast(tanggal_lahir as date) as tanggal_lahir,
    cast(hubungan as {{ dbt.type_string() }}) as hubungan
from {{ source('daftar', 'daftar_verifikasi_anggota') }}
