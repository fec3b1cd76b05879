-- What the sources say about each resolved person beyond identity, for household
-- composition and programme rules: school, disability, pregnancy, education, work, and
-- today's school aid (PIP). A person counts as in school, disabled or pregnant when any
-- source says so; education is the highest level any source reports.
{%- set pendidikan_to_ijazah -%}
    case pendidikan
        when 'TIDAK/BELUM SEKOLAH' then 0 when 'BELUM TAMAT SD/SEDERAJAT' then 0
        when 'TAMAT SD/SEDERAJAT' then 1 when 'SLTP/SEDERAJAT' then 2 when 'SLTA/SEDERAJAT' then 3
        when 'DIPLOMA I/II' then 4 when 'AKADEMI/DIPLOMA III/S. MUDA' then 4
        when 'DIPLOMA IV/STRATA I' then 5 when 'STRATA II' then 6 when 'STRATA III' then 6
    end
{%- endset %}
{%- set not_working = "('BELUM/TIDAK BEKERJA', 'PELAJAR/MAHASISWA', 'MENGURUS RUMAH TANGGA', 'PENSIUNAN')" %}

with observations as (
    select
        {{ person_record_key() }} as record_key,
        cast(null as boolean) as sekolah,
        cast(null as boolean) as disabilitas,
        cast(null as boolean) as hamil,
        {{ pendidikan_to_ijazah }} as ijazah,
        pekerjaan not in {{ not_working }} as bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_dukcapil__penduduk') }}
    union all
    select
        {{ person_record_key() }} as record_key,
        partisipasi_sekolah = 1 as sekolah,
        disabilitas > 0 as disabilitas,
        hamil,
        cast(null as integer) as ijazah,
        cast(null as boolean) as bekerja,
        penerima_pip
    from {{ ref('stg_dtks__anggota') }}
    union all
    select
        {{ person_record_key() }} as record_key,
        status_sekolah = 'SEKOLAH' as sekolah,
        cast(null as boolean) as disabilitas,
        cast(null as boolean) as hamil,
        {{ pendidikan_to_ijazah }} as ijazah,
        pekerjaan not in {{ not_working }} as bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_p3ke__individu') }}
    union all
    select
        {{ person_record_key() }} as record_key,
        sekolah = 1 as sekolah,
        disabilitas,
        cast(null as boolean) as hamil,
        ijazah,
        bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_bps__regsosek_individu') }}
)

select
    identities.person_id,
    coalesce(bool_or(observations.sekolah), false) as sekolah,
    coalesce(bool_or(observations.disabilitas), false) as disabilitas,
    coalesce(bool_or(observations.hamil), false) as hamil,
    max(observations.ijazah) as ijazah,
    bool_or(observations.bekerja) as bekerja,
    coalesce(bool_or(observations.penerima_pip), false) as penerima_pip
from observations
inner join {{ ref('int_person_identity') }} as identities on observations.record_key = identities.record_key
group by identities.person_id
