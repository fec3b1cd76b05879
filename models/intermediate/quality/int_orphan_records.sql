-- Staged member and survey records whose household or family is not staged (its row was
-- quarantined, or the delivery never had it): one row per such record. Staging checks
-- each row alone; whether a record's parent was staged is a question across tables.
with dtks_members as (
    select
        member.source,
        member.source_file,
        member.source_row_number,
        member.source_record_id,
        'stg_dtks__rumah_tangga' as parent_model,
        member.id_rt as parent_id
    from {{ ref('stg_dtks__anggota') }} as member
    where member.id_rt not in (select household.id_rt from {{ ref('stg_dtks__rumah_tangga') }} as household)
),

p3ke_persons as (
    select
        person.source,
        person.source_file,
        person.source_row_number,
        person.source_record_id,
        'stg_p3ke__keluarga' as parent_model,
        person.id_keluarga_p3ke as parent_id
    from {{ ref('stg_p3ke__individu') }} as person
    where person.id_keluarga_p3ke not in (
        select staged_family.id_keluarga_p3ke from {{ ref('stg_p3ke__keluarga') }} as staged_family
    )
),

regsosek_families as (
    select staged_family.id_keluarga from {{ ref('stg_bps__regsosek_keluarga') }} as staged_family
),

regsosek_persons as (
    select
        person.source,
        person.source_file,
        person.source_row_number,
        person.source_record_id,
        'stg_bps__regsosek_keluarga' as parent_model,
        person.id_keluarga as parent_id
    from {{ ref('stg_bps__regsosek_individu') }} as person
    where person.id_keluarga not in (select regsosek_families.id_keluarga from regsosek_families)
),

survey_households as (
    select
        survey.source,
        survey.source_file,
        survey.source_row_number,
        survey.source_record_id,
        'stg_bps__regsosek_keluarga' as parent_model,
        survey.id_keluarga as parent_id
    from {{ ref('stg_bps__susenas_konsumsi') }} as survey
    where survey.id_keluarga not in (select regsosek_families.id_keluarga from regsosek_families)
)

select * from dtks_members
union all
select * from p3ke_persons
union all
select * from regsosek_persons
union all
select * from survey_households
