-- One row per resolved person: who the civil register says they are (when it knows
-- them), else what the other sources say, preferring BPS, then DTKS, then P3KE; each
-- attribute from the most preferred record that has it (a placeholder birth date is none).
with records as (
    select
        records.*,
        identities.person_id,
        identities.resolved_nik,
        -- Smaller is preferred: by source, then (the register may list a person twice) the
        -- most recent row. One number rather than a window's row_number, so the whole model
        -- is one hash aggregate (a source's rows number far fewer than 10^12).
        (case records.source when 'dukcapil' then 1 when 'bps' then 2 when 'dtks' then 3 else 4 end)
        * 1000000000000 - records.source_row_number as preference
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_person_identity') }} as identities on records.record_key = identities.record_key
)

select
    person_id,
    max(resolved_nik) as resolved_nik,
    -- The most preferred record that has the value.
    {{ arg_min_skip_null('nama', 'preference') }} as nama,
    {{ arg_min_skip_null('jenis_kelamin', 'preference') }} as jenis_kelamin,
    {{ arg_min_skip_null('tanggal_lahir', 'preference') }} as tanggal_lahir,
    {{ arg_min_skip_null('hubungan_kk', 'preference') }} as hubungan_kk,
    case
        when {{ arg_min_skip_null('source', 'preference') }} = 'dukcapil'
            then {{ arg_min_keep_null('no_kk_clean', 'preference') }}
    end as register_no_kk,
    max(tanggal_meninggal) as tanggal_meninggal,
    bool_or(source = 'dukcapil') as in_dukcapil,
    bool_or(source = 'dtks') as in_dtks,
    bool_or(source = 'p3ke') as in_p3ke,
    bool_or(source = 'bps') as in_bps,
    count(*) as record_count
from records
group by person_id
