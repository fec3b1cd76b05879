-- One row per resolved person: who the civil register says they are (when it knows
-- them), else what the other sources say, preferring BPS, then DTKS, then P3KE; each
-- attribute from the most preferred record that has it (a placeholder birth date is none).
with records as (
    select
        *,
        case source when 'dukcapil' then 1 when 'bps' then 2 when 'dtks' then 3 else 4 end as source_rank
    from {{ ref('int_person_identity') }}
),

-- Records ranked within their person by a window, which sorts them by person before the
-- aggregate: one hash aggregate over unsorted records spills far more once the records
-- outgrow memory, so the window scales better although it is slower on small data.
ranked as (
    select
        *,
        -- The register may list a person twice: its most recent row speaks.
        row_number() over (
            partition by person_id order by source_rank asc, source_row_number desc
        ) as preference
    from records
)

select
    person_id,
    max(resolved_nik) as resolved_nik,
    -- The most preferred record that has the value.
    {{ arg_min_skip_null('nama', 'preference') }} as nama,
    {{ arg_min_skip_null('jenis_kelamin', 'preference') }} as jenis_kelamin,
    {{ arg_min_skip_null('tanggal_lahir', 'preference') }} as tanggal_lahir,
    {{ arg_min_skip_null('hubungan_kk', 'preference') }} as hubungan_kk,
    max(case when preference = 1 and source = 'dukcapil' then no_kk_clean end) as register_no_kk,
    max(tanggal_meninggal) as tanggal_meninggal,
    bool_or(source = 'dukcapil') as in_dukcapil,
    bool_or(source = 'dtks') as in_dtks,
    bool_or(source = 'p3ke') as in_p3ke,
    bool_or(source = 'bps') as in_bps,
    count(*) as record_count
from ranked
group by person_id
