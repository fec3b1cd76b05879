{#- Engine differences live here, behind adapter.dispatch (DuckDB default, Spark later). -#}

{#- True when the whole of `expression` matches `pattern` (RE2 syntax, no anchors). -#}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'dtsen')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- Date from text in a strftime format, NULL when the text is not such a date. -#}
{% macro parse_date(expression, format) -%}
    {{ return(adapter.dispatch('parse_date', 'dtsen')(expression, format)) }}
{%- endmacro %}

{% macro default__parse_date(expression, format) -%}
    cast(try_strptime({{ expression }}, '{{ format }}') as date)
{%- endmacro %}

{% macro parse_timestamp(expression, format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'dtsen')(expression, format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression, format) -%}
    try_strptime({{ expression }}, '{{ format }}')
{%- endmacro %}

{#- The named columns of a row as one JSON object (text). -#}
{% macro row_as_json(columns) -%}
    {{ return(adapter.dispatch('row_as_json', 'dtsen')(columns)) }}
{%- endmacro %}

{% macro default__row_as_json(columns) -%}
    {%- if columns | length == 0 -%}cast(null as varchar){%- else -%}
    cast(to_json(struct_pack({% for column in columns %}"{{ column }}" := "{{ column }}"{{ ', ' if not loop.last }}{% endfor %})) as varchar)
    {%- endif -%}
{%- endmacro %}

{% macro spark__row_as_json(columns) -%}
    to_json(named_struct({% for column in columns %}'{{ column }}', `{{ column }}`{{ ', ' if not loop.last }}{% endfor %}))
{%- endmacro %}
