-- Every quarantined row carries well-formed reason codes: a comma-separated list of
-- <KIND>:<column> (DUPLICATE_KEY: key columns joined by +) or TOO_MANY_FIELDS, and
-- reason_code is the first of them. Returns the rows that break it.
{%- set column = "[a-z][a-z0-9_]*" %}
{%- set reason = "(TOO_MANY_FIELDS|(EMPTY_KEY|MISSING_VALUE|UNPARSEABLE_DATE|UNPARSEABLE_NUMBER|UNKNOWN_CODE"
    ~ "|DATE_AFTER_EXTRACT|UNKNOWN_VISIT):"
    ~ column ~ "|DUPLICATE_KEY:" ~ column ~ "([+]" ~ column ~ ")*)" %}

select
    source,
    source_file,
    source_row_number,
    reason_code,
    reason_codes
from {{ ref('stg_landing__quarantine') }}
where
    not coalesce({{ regexp_full_match('reason_codes', reason ~ "(," ~ reason ~ ")*") }}, false)
    or not coalesce(
        reason_codes = reason_code or substr(reason_codes, 1, length(reason_code) + 1) = reason_code || ',',
        false
    )
