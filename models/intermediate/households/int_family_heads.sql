-- The head of each family: the living member recorded as head; failing one, the oldest
-- living member.
select
    family_key,
    person_id,
    jenis_kelamin,
    umur,
    ijazah,
    bekerja
from {{ ref('int_living_family_members') }}
qualify row_number() over (
    partition by family_key order by coalesce(hubungan_kk = 1, false) desc, tanggal_lahir asc, person_id asc
) = 1
