-- What the list prints about each candidate family: where to find it and who heads it.
-- The address is the head's civil-register row on the family's card (else any register
-- row of the head), else the DTKS household of the head; the card is the family key when
-- it is a register card, else the card a source delivered for the head.
with head_records as (
    select
        candidates.family_key,
        records.source,
        records.record_key,
        records.source_household_id,
        records.source_row_number,
        records.no_kk_clean,
        records.nik_clean,
        records.nik_status,
        heads.person_id
    from {{ ref('int_verification_candidates') }} as candidates
    inner join {{ ref('int_family_heads') }} as heads on candidates.family_key = heads.family_key
    inner join {{ ref('int_person_identity') }} as records on heads.person_id = records.person_id
),

register_address as (
    select
        head_records.family_key,
        register.alamat,
        register.rt,
        register.rw
    from head_records
    inner join {{ ref('stg_dukcapil__penduduk') }} as register
        on head_records.record_key = {{ person_record_key('register') }}
    where head_records.source = 'dukcapil'
    qualify row_number() over (
        partition by head_records.family_key
        order by
            coalesce(register.no_kk_clean = head_records.family_key, false) desc,
            register.source_row_number desc
    ) = 1
),

dtks_address as (
    select
        head_records.family_key,
        households.alamat
    from head_records
    inner join {{ ref('stg_dtks__rumah_tangga') }} as households
        on head_records.source_household_id = households.id_rt
    where head_records.source = 'dtks' and households.alamat is not null
    qualify row_number() over (
        partition by head_records.family_key order by head_records.source_row_number desc
    ) = 1
),

head_cards as (
    select
        family_key,
        person_id,
        min(no_kk_clean) as no_kk_clean,
        min(case when nik_status = 'valid' then nik_clean end) as nik_clean
    from head_records
    group by family_key, person_id
)

select
    candidates.family_key,
    coalesce(register_address.alamat, dtks_address.alamat) as alamat,
    case
        when {{ regexp_full_match('register_address.rt', '[0-9]{1,3}') }} then lpad(register_address.rt, 3, '0')
        else register_address.rt
    end as rt,
    case
        when {{ regexp_full_match('register_address.rw', '[0-9]{1,3}') }} then lpad(register_address.rw, 3, '0')
        else register_address.rw
    end as rw,
    case
        when {{ regexp_full_match('candidates.family_key', '[0-9]{16}') }} then candidates.family_key
        else head_cards.no_kk_clean
    end as no_kk,
    coalesce(persons.resolved_nik, head_cards.nik_clean) as nik_kepala_keluarga,
    persons.nama as nama_kepala_keluarga
from {{ ref('int_verification_candidates') }} as candidates
left join head_cards on candidates.family_key = head_cards.family_key
left join {{ ref('int_persons') }} as persons on head_cards.person_id = persons.person_id
left join register_address on candidates.family_key = register_address.family_key
left join dtks_address on candidates.family_key = dtks_address.family_key
