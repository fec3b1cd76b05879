-- Whether every living member of a family carries a verified identity
-- (int_member_identity_checks): the programme condition identitas_terverifikasi.
select
    family_key,
    bool_and(is_verified) as identitas_terverifikasi,
    count(*) filter (where not is_verified) as anggota_belum_terverifikasi
from {{ ref('int_member_identity_checks') }}
group by family_key
