-- Whether each living member carries a verified identity: a NIK the civil register holds
-- once, for this person only, and finds valid. Social assistance is paid only on
-- identities the register confirms: a family-level programme asks it of every member
-- (int_family_identity_checks), a per-person one (PBI-JK) of the member it pays for.
with register as (
    select
        nik_clean,
        count(*) as records,
        bool_and(nik_status = 'valid') as all_valid
    from {{ ref('stg_dukcapil__penduduk') }}
    where nik_clean is not null
    group by nik_clean
),

persons_per_nik as (
    select
        resolved_nik,
        count(*) as persons
    from {{ ref('int_persons') }}
    where resolved_nik is not null
    group by resolved_nik
)

select
    members.person_id,
    members.family_key,
    coalesce(
        persons.in_dukcapil and register.records = 1 and register.all_valid and persons_per_nik.persons = 1,
        false
    ) as is_verified
from {{ ref('int_living_family_members') }} as members
inner join {{ ref('int_persons') }} as persons on members.person_id = persons.person_id
left join register on persons.resolved_nik = register.nik_clean
left join persons_per_nik on persons.resolved_nik = persons_per_nik.resolved_nik
