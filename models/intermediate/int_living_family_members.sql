-- Living members of each family with their age at the reference date: what household
-- composition and the programme rules count.
select
    person_id,
    family_key,
    jenis_kelamin,
    tanggal_lahir,
    hubungan_kk,
    sekolah,
    disabilitas,
    hamil,
    ijazah,
    bekerja,
    penerima_pip,
    date_diff('year', tanggal_lahir, {{ reference_date() }})
    - case when strftime({{ reference_date() }}, '%m%d') < strftime(tanggal_lahir, '%m%d') then 1 else 0 end
        as umur
from {{ ref('int_family_members') }}
where is_living
