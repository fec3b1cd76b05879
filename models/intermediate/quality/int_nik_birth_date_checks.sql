-- Person records whose NIK's birth part disagrees with the recorded birth date (staging's
-- nik_status = 'birth_date_mismatch'), split by what the civil register says about that
-- NIK. When the register holds the NIK with a birth date that agrees with the NIK, the NIK
-- is the register's own and correct, and only the record's birth date is wrong:
-- `birth_date_differs_from_register`. Otherwise (NIK unknown to the register, or the
-- register's birth date for it disagrees with the NIK too, or the record is the register's
-- own) the NIK itself is in doubt: `nik_invalid`. The quality suite nik_validity reports
-- the two apart, each with its own threshold.

with register as (
    -- One birth date per NIK: a NIK the register holds with two different birth dates
    -- vouches for neither.
    select
        nik_clean,
        min(tanggal_lahir) as register_tanggal_lahir
    from {{ ref('stg_dukcapil__penduduk') }}
    where nik_agrees_birth_date
    group by nik_clean
    having count(distinct tanggal_lahir) = 1
),

mismatches as (
    {%- set person_models = ['stg_dukcapil__penduduk', 'stg_dtks__anggota', 'stg_p3ke__individu',
        'stg_bps__regsosek_individu'] %}
    {% for model in person_models %}
        select
            source,
            source_file,
            source_row_number,
            source_record_id,
            nik_clean,
            tanggal_lahir
        from {{ ref(model) }}
        where nik_status = 'birth_date_mismatch'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    mismatches.source,
    mismatches.source_file,
    mismatches.source_row_number,
    mismatches.source_record_id,
    mismatches.nik_clean,
    mismatches.tanggal_lahir,
    register.register_tanggal_lahir,
    case
        when mismatches.source <> 'dukcapil' and register.nik_clean is not null
            then 'birth_date_differs_from_register'
        else 'nik_invalid'
    end as birth_date_check
from mismatches
left join register
    on mismatches.nik_clean = register.nik_clean
