{#- Reading a superseded delivery's file for the delivery-level anomaly checks
    (stg_landing__delivery_changes), through the read_sql the intake stored with it. -#}

{#- The file's rows as its read_sql reads them, under `alias`, to select columns from. -#}
{% macro delivery_file_rows(read_sql, alias) -%}
    {{ return(adapter.dispatch('delivery_file_rows', 'dtsen')(read_sql, alias)) }}
{%- endmacro %}

{% macro default__delivery_file_rows(read_sql, alias) -%}
    {{ read_sql }}
{%- endmacro %}

{#- On Spark read_sql is a JSON list: the temporary view of a CSV file, then the query. The
    intake names the view after the source and file (dtsen.landing.spark_read_sql), the same
    for every delivery of that file: the view of another delivery than the current one gets
    `alias` in its name, so that it cannot replace the view the staging models read. -#}
{% macro spark__delivery_file_rows(read_sql, alias) -%}
    {%- set statements = fromjson(read_sql) -%}
    {%- for statement in statements[:-1] -%}
        {%- do run_query(statement | replace('`landing_', '`landing_' ~ alias ~ '_')) -%}
    {%- endfor -%}
    ({{ statements[-1] | replace('`landing_', '`landing_' ~ alias ~ '_') }})
{%- endmacro %}

{#- A common table expression computed once however often the query reads it: DuckDB
    inlines a CTE into every reference unless told; Spark has no such keyword. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'dtsen')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}

{#- A 64-bit hash of a non-NULL value, NULL for NULL: the identifier checks compare
    identifiers as numbers, which costs a fraction of comparing them as text (two
    different identifiers of one file share a hash with a chance of about n² / 2^65, below
    one in a million at 3 million). -#}
{% macro fingerprint(expression) -%}
    {{ return(adapter.dispatch('fingerprint', 'dtsen')(expression)) }}
{%- endmacro %}

{% macro default__fingerprint(expression) -%}
    case when {{ expression }} is not null then hash({{ expression }}) end
{%- endmacro %}

{% macro spark__fingerprint(expression) -%}
    case when {{ expression }} is not null then xxhash64({{ expression }}) end
{%- endmacro %}
