-- Living members of each family with their age at the reference date: what household
-- composition and the programme rules count.
{%- set reference_day = reference_date(ref('stg_landing__delivery_files')) %}
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
    year({{ reference_day }}) - year(tanggal_lahir)
    - case
        when
            month({{ reference_day }}) * 100 + day({{ reference_day }})
            < month(tanggal_lahir) * 100 + day(tanggal_lahir) then 1
        else 0
    end as umur
from {{ ref('int_family_members') }}
where is_living
