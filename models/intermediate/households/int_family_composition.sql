-- Who lives in each family: counts of its living members by the groups household
-- composition, the proxy-means test and the programme rules look at.
select
    family_key,
    count(*) as jumlah_anggota,
    count(*) filter (where umur < 6) as jumlah_balita,
    count(*) filter (where umur between 6 and 21 and sekolah) as jumlah_anak_sekolah,
    count(*) filter (where umur >= 60) as jumlah_lansia,
    count(*) filter (where hamil) as jumlah_hamil,
    count(*) filter (where disabilitas) as jumlah_disabilitas,
    count(*) filter (where penerima_pip) as jumlah_penerima_pip
from {{ ref('int_living_family_members') }}
group by family_key
