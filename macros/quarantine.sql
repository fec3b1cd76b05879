{#- Row checks for the base_ staging models. Each returns a SQL expression that is a reason
    code ('<KIND>:<column>') when the row fails and NULL when it passes; reject_reasons()
    joins the failures. A row with any reason goes to stg_landing__quarantine instead of
    its staging model. -#}

{% macro reject_reasons(checks) -%}
    nullif(concat_ws(',', {{ checks | join(',\n        ') }}), '')
{%- endmacro %}

{#- A required value (kind EMPTY_KEY for record keys, MISSING_VALUE otherwise) is blank. -#}
{% macro reject_if_empty(column, kind='MISSING_VALUE') -%}
    case when {{ clean_text(column) }} is null then '{{ kind }}:{{ column }}' end
{%- endmacro %}

{#- The row had more fields than the header (extra ones land in _extra_fields). -#}
{% macro reject_if_too_many_fields() -%}
    case when _extra_fields is not null then 'TOO_MANY_FIELDS' end
{%- endmacro %}

{#- A second or later row (in file order) with the same record key. `within`: lineage
    columns the key is unique within besides the file (_extract_date for a source whose
    deliveries accumulate, so that a key is unique within each delivery). -#}
{% macro reject_if_duplicate_key(key_columns, within=[]) -%}
    case
        when {% for column in key_columns %}{{ clean_text(column) }} is not null{{ ' and ' if not loop.last }}{% endfor %}
            and row_number() over (
                partition by {% for column in within %}{{ column }}, {% endfor -%}
                {% for column in key_columns %}{{ clean_text(column) }}{{ ', ' if not loop.last }}{% endfor %}
                order by _row_number
            ) > 1
            then 'DUPLICATE_KEY:{{ key_columns | join("+") }}'
    end
{%- endmacro %}

{% macro reject_if_bad_date(column, format, required=false) -%}
    case
        {% if required %}when {{ clean_text(column) }} is null then 'MISSING_VALUE:{{ column }}'{% endif %}
        when {{ clean_text(column) }} is not null and {{ parse_date(clean_text(column), format) }} is null
            then 'UNPARSEABLE_DATE:{{ column }}'
    end
{%- endmacro %}

{% macro reject_if_bad_timestamp(column, format, required=false) -%}
    case
        {% if required %}when {{ clean_text(column) }} is null then 'MISSING_VALUE:{{ column }}'{% endif %}
        when {{ clean_text(column) }} is not null and {{ parse_timestamp(clean_text(column), format) }} is null
            then 'UNPARSEABLE_DATE:{{ column }}'
    end
{%- endmacro %}

{% macro reject_if_bad_number(column, type='bigint', required=false) -%}
    case
        {% if required %}when {{ clean_text(column) }} is null then 'MISSING_VALUE:{{ column }}'{% endif %}
        when {{ clean_text(column) }} is not null and {{ try_cast_number(clean_text(column), type) }} is null
            then 'UNPARSEABLE_NUMBER:{{ column }}'
    end
{%- endmacro %}

{#- A coded value outside its domain in the ref_kode seed (`codes`, passed in by the model). -#}
{% macro reject_if_unknown_code(column, domain, codes, required=true) -%}
    case
        {% if required %}when {{ clean_text(column) }} is null then 'MISSING_VALUE:{{ column }}'{% endif %}
        when {{ clean_text(column) }} is not null
            and not {{ code_in_domain(clean_text(column), domain, codes) }}
            then 'UNKNOWN_CODE:{{ column }}'
    end
{%- endmacro %}

{#- A date after the extract date of the row's delivery (a visit cannot be reported
    before it happened). -#}
{% macro reject_if_after_extract(column, format) -%}
    case
        when {{ parse_date(clean_text(column), format) }} > _extract_date
            then 'DATE_AFTER_EXTRACT:{{ column }}'
    end
{%- endmacro %}

{#- Label of a code from the ref_kode seed (`codes`; NULL for a code outside the domain). -#}
{% macro code_label(column, domain, codes, label='label') -%}
    {{ return(adapter.dispatch('code_label', 'dtsen')(column, domain, codes, label)) }}
{%- endmacro %}
