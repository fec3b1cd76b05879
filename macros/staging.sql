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

{#- Key of a staged person record across sources, '<source>/<file>/<source_record_id>':
    int_person_records.record_key. -#}
{% macro person_record_key(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}source || '/' || {{ prefix }}source_file || '/' || {{ prefix }}source_record_id
{%- endmacro %}

{#- A relation to the family head in the civil register's words (shdk; P3KE uses them
    too) on Regsosek's scale: 1 head, 2 spouse, 3 child, 4 child-in-law, 5 grandchild,
    6 parent/in-law, 7 other relative, 8 other. -#}
{% macro shdk_to_hubungan_kk(column) -%}
    case {{ column }}
        when 'KEPALA KELUARGA' then 1 when 'SUAMI' then 2 when 'ISTRI' then 2 when 'ANAK' then 3
        when 'MENANTU' then 4 when 'CUCU' then 5 when 'ORANG TUA' then 6 when 'MERTUA' then 6
        when 'FAMILI LAIN' then 7 when 'PEMBANTU' then 8 when 'LAINNYA' then 8
    end
{%- endmacro %}
