-- For each family receiving a programme today, the "data" errors of the recipient list
-- (DESIGN.md: dead recipients and double receipt, which policy wants below 5 %), apart
-- from whether the family is eligible. Recipients unknown to the civil register are read
-- off fct_household.di_dukcapil where the errors are counted, except a family whose member
-- rows were all quarantined (anggota_dikarantina): nobody asked the register about it.
with receipt as (
    select
        family_key,
        program,
        count(distinct id_rt) as jumlah_rumah_tangga_penerima
    from {{ ref('int_dtks_receipt') }}
    group by family_key, program
),

recipient_persons as (
    -- Everyone listed in a receiving DTKS household, as resolved persons (for PIP, the
    -- whole household of the receiving child: DTKS lists the household's members).
    select distinct
        records.person_id,
        receipt.program,
        receipt.family_key
    from {{ ref('int_dtks_receipt') }} as receipt
    inner join {{ ref('int_person_identity') }} as records
        on records.source = 'dtks' and receipt.id_rt = records.source_household_id
),

received_elsewhere as (
    -- Families with a member who is also listed in another receiving family.
    select distinct
        recipient_persons.family_key,
        recipient_persons.program
    from recipient_persons
    inner join recipient_persons as elsewhere
        on
            recipient_persons.person_id = elsewhere.person_id
            and recipient_persons.program = elsewhere.program
            and recipient_persons.family_key <> elsewhere.family_key
),

quarantined_families as (
    -- Families known only from DTKS households whose member rows were all quarantined: the
    -- register was never asked, so "not in the civil register" would be a guess.
    select family_key
    from {{ ref('int_household_families') }}
    group by family_key
    having bool_and(family_link_basis = 'member_rows_quarantined')
),

deceased as (
    -- Families whose receiving DTKS household lists someone the civil register records as
    -- dead: the list pays on a person who is no longer there.
    select distinct
        recipient_persons.family_key,
        recipient_persons.program
    from recipient_persons
    inner join {{ ref('int_family_members') }} as members on recipient_persons.person_id = members.person_id
    where not members.is_living
)

select
    receipt.family_key,
    receipt.program,
    receipt.jumlah_rumah_tangga_penerima,
    deceased.family_key is not null as penerima_meninggal,
    received_elsewhere.family_key is not null as penerima_ganda,
    receipt.jumlah_rumah_tangga_penerima > 1 as penerima_rumah_tangga_ganda,
    quarantined_families.family_key is not null as anggota_dikarantina
from receipt
left join quarantined_families on receipt.family_key = quarantined_families.family_key
left join deceased on receipt.family_key = deceased.family_key and receipt.program = deceased.program
left join received_elsewhere
    on receipt.family_key = received_elsewhere.family_key and receipt.program = received_elsewhere.program
