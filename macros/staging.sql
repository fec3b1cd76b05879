{#- Columns every staging model starts with: where the row came from. -#}
{% macro lineage_columns(record_id) -%}
    _source as source,
    _extract_date as extract_date,
    _file_name as source_file,
    _row_number as source_row_number,
    cast({{ record_id }} as {{ dbt.type_string() }}) as source_record_id
{%- endmacro %}

{#- A delivered birth date that is no birth date: the 1900-01-01 placeholder (anything
    before var min_plausible_birth_date) or a date after the extract. -#}
{% macro is_placeholder_birth_date(birth_date, extract_date="extract_date") -%}
    ({{ birth_date }} < date '{{ var("min_plausible_birth_date") }}' or {{ birth_date }} > {{ extract_date }})
{%- endmacro %}
