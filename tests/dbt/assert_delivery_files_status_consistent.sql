-- The intake's verdicts agree with its findings. Returns each file row that breaks one
-- of these rules, with the rule it breaks:
-- a usable (current or superseded) delivery has no problem and its row count matches
-- the manifest; a refused one says why; each contract file of a full-extract source has
-- exactly one current delivery, and no usable delivery of the source is newer than the
-- current one; a source whose deliveries accumulate has every usable delivery current
-- (none superseded), and may have none at all.
{%- set accumulating = "'" ~ (accumulating_sources() | join("', '")) ~ "'" %}
with files as (
    select * from {{ ref('stg_landing__delivery_files') }}
),

current_files as (
    select
        source,
        file_name,
        count(*) as current_count,
        max(extract_date) as current_extract_date
    from files
    where status = 'current'
    group by source, file_name
),

contract_files as (
    select distinct
        source,
        file_name
    from files
    where file_name is not null
)

select
    files.source,
    files.delivery,
    files.file_name,
    files.status,
    'usable delivery with a problem or a row count off the manifest' as broken_rule
from files
where
    files.status in ('current', 'superseded')
    and (
        files.delivery_problem is not null
        or files.file_problem is not null
        or files.file_rows is null
        or files.file_rows <> files.manifest_rows
    )

union all

select
    files.source,
    files.delivery,
    files.file_name,
    files.status,
    'refused delivery without a delivery_problem' as broken_rule
from files
where files.status = 'refused' and files.delivery_problem is null

union all

select
    contract_files.source,
    null as delivery,
    contract_files.file_name,
    null as status,
    'not exactly one current delivery' as broken_rule
from contract_files
left join current_files
    on contract_files.source = current_files.source and contract_files.file_name = current_files.file_name
where
    coalesce(current_files.current_count, 0) <> 1
    and contract_files.source not in ({{ accumulating }})

union all

select
    files.source,
    files.delivery,
    files.file_name,
    files.status,
    'superseded delivery of a source whose deliveries accumulate' as broken_rule
from files
where files.status = 'superseded' and files.source in ({{ accumulating }})

union all

select
    files.source,
    files.delivery,
    files.file_name,
    files.status,
    'usable delivery newer than the current one' as broken_rule
from files
inner join current_files
    on files.source = current_files.source and files.file_name = current_files.file_name
where files.status = 'superseded' and files.extract_date >= current_files.current_extract_date
