-- Today's recipient lists: one row per DTKS household and programme it receives, on the
-- family it belongs to. PKH, BPNT and PBI-JK are paid to the household; PIP to a school
-- child, so a household receives PIP when one of its members does.
with households as (
    select
        households.family_key,
        dtks.id_rt,
        dtks.penerima_pkh,
        dtks.penerima_bpnt,
        dtks.penerima_pbi_jk
    from {{ ref('stg_dtks__rumah_tangga') }} as dtks
    inner join {{ ref('int_household_families') }} as households
        on households.source = 'dtks' and dtks.id_rt = households.source_household_id
)

select
    family_key,
    id_rt,
    'pkh' as program
from households
where penerima_pkh

union all

select
    family_key,
    id_rt,
    'bpnt' as program
from households
where penerima_bpnt

union all

select
    family_key,
    id_rt,
    'pbi_jk' as program
from households
where penerima_pbi_jk

union all

select distinct
    households.family_key,
    households.id_rt,
    'pip' as program
from {{ ref('stg_dtks__anggota') }} as members
inner join households on members.id_rt = households.id_rt
where members.penerima_pip
