-- Each living member with what the programme rules ask of a person, as of the decision
-- date (eligibility_date()): age in whole years then, school, pregnancy, disability,
-- education, whether they are in or entering higher education, whether the civil
-- register's occupation excludes their family (ref_pekerjaan_aparatur), and whether their
-- own identity is verified.
with register_occupation as (
    -- The occupation of every register record of the person: one excluded is enough.
    select
        record.person_id,
        bool_or(aparatur.pekerjaan is not null) as pekerjaan_aparatur,
        bool_or(penduduk.pekerjaan = 'PELAJAR/MAHASISWA') as pelajar_mahasiswa
    from {{ ref('int_person_identity') }} as record
    inner join {{ ref('stg_dukcapil__penduduk') }} as penduduk
        on record.record_key = {{ person_record_key('penduduk') }}
    left join {{ ref('ref_pekerjaan_aparatur') }} as aparatur
        on penduduk.pekerjaan = upper(trim(aparatur.pekerjaan))
    where record.source = 'dukcapil'
    group by record.person_id
),

members as (
    select
        members.person_id,
        members.family_key,
        members.tanggal_lahir,
        members.sekolah,
        members.hamil,
        members.disabilitas,
        members.ijazah,
        coalesce(occupation.pekerjaan_aparatur, false) as pekerjaan_aparatur,
        coalesce(occupation.pelajar_mahasiswa, false) as pelajar_mahasiswa,
        checks.is_verified as identitas_terverifikasi,
        {{ eligibility_date(ref('stg_landing__delivery_files')) }} as tanggal_keputusan
    from {{ ref('int_living_family_members') }} as members
    inner join {{ ref('int_member_identity_checks') }} as checks on members.person_id = checks.person_id
    left join register_occupation as occupation on members.person_id = occupation.person_id
)

select
    person_id,
    family_key,
    sekolah,
    hamil,
    disabilitas,
    ijazah,
    pekerjaan_aparatur,
    identitas_terverifikasi,
    tanggal_keputusan,
    year(tanggal_keputusan) - year(tanggal_lahir)
    - case
        when
            month(tanggal_keputusan) * 100 + day(tanggal_keputusan)
            < month(tanggal_lahir) * 100 + day(tanggal_lahir) then 1
        else 0
    end as umur,
    -- Twelve years of school end with the SMA diploma (ijazah 3); unknown counts as not yet.
    coalesce(ijazah < 3, true) as belum_tamat_12_tahun,
    -- In or entering higher education: a source puts them in school or the register calls
    -- them PELAJAR/MAHASISWA, with at least an SMP diploma or education unknown (the age
    -- bounds come from the rule).
    (sekolah or pelajar_mahasiswa) and coalesce(ijazah >= 2, true) as kuliah_atau_akan_kuliah
from members
