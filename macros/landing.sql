{#- Reading the current delivery of a landing file. The intake model
    (stg_landing__delivery_files) stores the exact read_* call each file's rows were
    counted with; staging reads the file through that same call. On Spark the intake
    stores the Spark statements that read the file (dtsen.landing.spark_read_sql). -#}

{% macro current_delivery(source, file_name) -%}
    {#- ref() outside any branch, so that dbt records the dependency at parse time. -#}
    {%- set registry = ref('stg_landing__delivery_files') -%}
    {#- At parse time, and when linting before any build, there is no intake table yet. -#}
    {%- if not execute or load_relation(registry) is none -%}
        {{ return({'read_sql': none, 'extract_date': none, 'delivery': none}) }}
    {%- endif -%}
    {%- set query -%}
        select read_sql, cast(extract_date as {{ dbt.type_string() }}) as extract_date, delivery
        from {{ registry }}
        where source = '{{ source }}' and file_name = '{{ file_name }}' and status = 'current'
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source ~ ", file " ~ file_name ~ ": expected one current delivery, found "
            ~ (rows | length) ~ " (see stg_landing__delivery_files)") }}
    {%- endif -%}
    {{ return({'read_sql': rows[0][0], 'extract_date': rows[0][1], 'delivery': rows[0][2]}) }}
{%- endmacro %}

{#- The current file's rows, each with its lineage: source, delivery, file and 1-based
    data-row number in file order (header excluded), the numbering the manifest counts. -#}
{% macro landing_rows(source, file_name) -%}
    {{ return(adapter.dispatch('landing_rows', 'dtsen')(source, file_name)) }}
{%- endmacro %}

{% macro default__landing_rows(source, file_name) -%}
    {%- set delivery = current_delivery(source, file_name) -%}
    {%- if delivery.read_sql is none -%}
        (select
            null as _source, null as _extract_date, null as _file_name, null as _row_number,
            null as _extra_fields)
    {%- else -%}
        (select
            '{{ source }}' as _source,
            date '{{ delivery.extract_date }}' as _extract_date,
            '{{ file_name }}' as _file_name,
            row_number() over () as _row_number,
            landed.*
        from {{ delivery.read_sql }} as landed
        where {{ unless_delivery_already_staged() }})
    {%- endif -%}
{%- endmacro %}

{#- read_sql is a JSON list of statements: the temporary views the query needs, then the
    query, whose first column is _row_number. -#}
{% macro spark__landing_rows(source, file_name) -%}
    {%- set delivery = current_delivery(source, file_name) -%}
    {%- if delivery.read_sql is none -%}
        (select
            null as _source, null as _extract_date, null as _file_name, null as _row_number,
            null as _extra_fields)
    {%- else -%}
        {%- set statements = fromjson(delivery.read_sql) -%}
        {%- for statement in statements[:-1] -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
        (select
            '{{ source }}' as _source,
            date '{{ delivery.extract_date }}' as _extract_date,
            '{{ file_name }}' as _file_name,
            landed.*
        from ({{ statements[-1] }}) as landed)
    {%- endif -%}
{%- endmacro %}
