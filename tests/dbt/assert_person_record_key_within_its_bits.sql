-- int_person_records.record_key packs source, delivery date and row number into one BIGINT
-- (macro person_record_key): a field outside its bits would give two records one key, or a
-- key below 2^59 that reads as a NIK. One row per delivered file out of bounds, naming it.
select
    source,
    source_file,
    extract_date,
    max(source_row_number) as last_row_number,
    case
        when {{ person_source_id('source') }} is null then 'source has no number in person_source_id'
        when extract_date < date '1970-01-01' or extract_date >= date '2149-06-07'
            then 'extract_date outside 1970-01-01 .. 2149-06-06 (16 bits of days)'
        else 'source_row_number outside 0 .. 2^43 - 1'
    end as problem
from {{ ref('int_person_records') }}
where
    {{ person_source_id('source') }} is null
    or extract_date < date '1970-01-01'
    or extract_date >= date '2149-06-07'
    or source_row_number < 0
    or source_row_number >= 8796093022208
group by source, source_file, extract_date
