-- Deliveries the intake refused (incomplete, unreadable, wrong checksum or row count,
-- missing columns). The previous delivery of the source stays current, so the build goes
-- on, but the scheduled job's log names each one: source, delivery, file and problem.
{{ config(severity='warn') }}

select
    source,
    delivery,
    file_name,
    coalesce(file_problem, delivery_problem) as problem
from {{ ref('stg_landing__delivery_files') }}
where status = 'refused'
