-- What the list prints about the living members of each candidate family: identity from
-- the civil register when it knows the person (int_persons' preferred record), else from
-- the source that knows them; the relation in the register's SHDK words. Head first.
with register_records as (
    -- The person's newest register row on this family's card gives the SHDK word.
    select
        records.person_id,
        register.no_kk_clean,
        register.shdk
    from {{ ref('int_person_identity') }} as records
    inner join {{ ref('stg_dukcapil__penduduk') }} as register
        on records.record_key = {{ person_record_key('register') }}
    where records.source = 'dukcapil'
    qualify row_number() over (
        partition by records.person_id, register.no_kk_clean order by register.source_row_number desc
    ) = 1
),

source_niks as (
    -- A person the register does not know keeps the well-formed NIK a source delivered.
    select
        person_id,
        min(nik_clean) as nik_clean
    from {{ ref('int_person_identity') }}
    where nik_status = 'valid'
    group by person_id
),

listed_members as (
    select
        members.family_key,
        members.person_id,
        persons.nama,
        persons.tanggal_lahir,
        members.hubungan_kk,
        coalesce(persons.resolved_nik, source_niks.nik_clean) as nik,
        case persons.jenis_kelamin when 1 then 'L' when 2 then 'P' end as jenis_kelamin,
        coalesce(
            register_records.shdk,
            case members.hubungan_kk
                when 1 then 'KEPALA KELUARGA'
                when 2 then case persons.jenis_kelamin when 2 then 'ISTRI' else 'SUAMI' end
                when 3 then 'ANAK' when 4 then 'MENANTU' when 5 then 'CUCU' when 6 then 'ORANG TUA'
                when 7 then 'FAMILI LAIN' else 'LAINNYA'
            end
        ) as hubungan,
        heads.person_id is not null as is_head
    from {{ ref('int_living_family_members') }} as members
    inner join {{ ref('int_verification_candidates') }} as candidates on members.family_key = candidates.family_key
    inner join {{ ref('int_persons') }} as persons on members.person_id = persons.person_id
    left join {{ ref('int_family_heads') }} as heads
        on members.family_key = heads.family_key and members.person_id = heads.person_id
    left join register_records
        on members.person_id = register_records.person_id and members.family_key = register_records.no_kk_clean
    left join source_niks on members.person_id = source_niks.person_id
)

select
    family_key,
    person_id,
    is_head,
    nik,
    nama,
    jenis_kelamin,
    tanggal_lahir,
    hubungan,
    row_number() over (
        partition by family_key
        order by is_head desc, hubungan_kk asc, tanggal_lahir asc nulls last, person_id asc
    ) as urutan
from listed_members
