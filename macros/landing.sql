{#- Reading the current delivery of a landing file. The intake model
    (stg_landing__delivery_files) stores the exact read_* call each file's rows were
    counted with; staging reads the file through that same call. On Spark the intake
    stores the Spark statements that read the file (dtsen.landing.spark_read_sql).
    The calling model names both of its inputs: the file as a dbt source (schema = the
    agency, identifier = the file's name; see the _<agency>__sources.yml headers) and the
    intake (`registry`). -#}

{% macro current_delivery(source, file_name, registry) -%}
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
{% macro landing_rows(delivered, registry) -%}
    {%- set source = delivered.schema -%}
    {%- set file_name = delivered.identifier -%}
    {%- set delivery = current_delivery(source, file_name, registry) -%}
    {%- if delivery.read_sql is none -%}
        (select
            null as _source, null as _extract_date, null as _file_name, null as _row_number,
            null as _extra_fields)
    {%- else -%}
        (select
            '{{ source }}' as _source,
            date '{{ delivery.extract_date }}' as _extract_date,
            '{{ file_name }}' as _file_name,
            numbered.*
        from {{ numbered_file_rows(delivery.read_sql) }} as numbered
        where {{ unless_delivery_already_staged(registry) }})
    {%- endif -%}
{%- endmacro %}

{#- The file's rows as read by the intake's read_sql, _row_number first. -#}
{% macro numbered_file_rows(read_sql) -%}
    {{ return(adapter.dispatch('numbered_file_rows', 'dtsen')(read_sql)) }}
{%- endmacro %}

{% macro default__numbered_file_rows(read_sql) -%}
    (select row_number() over () as _row_number, landed.* from {{ read_sql }} as landed)
{%- endmacro %}

{#- On Spark read_sql is a JSON list of statements: the temporary views the query needs,
    then the query, whose first column is _row_number. -#}
{% macro spark__numbered_file_rows(read_sql) -%}
    {%- set statements = fromjson(read_sql) -%}
    {%- for statement in statements[:-1] -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    ({{ statements[-1] }})
{%- endmacro %}

{#- Sources whose deliveries accumulate (dtsen.contract.ACCUMULATING_SOURCES): each
    delivery holds only its period's records, so every usable delivery is current at once
    and none supersedes another. -#}
{% macro accumulating_sources() -%}
    {{ return(['verifikasi']) }}
{%- endmacro %}

{#- As landing_rows(), for a source whose deliveries accumulate: the rows of EVERY current
    delivery of the file, each delivery read through its own stored read_sql and carrying
    its own lineage. With no current delivery (the source is optional), no rows, in the
    columns the file's dbt source declares (its contract columns, as text). -#}
{% macro accumulated_landing_rows(delivered, registry) -%}
    {%- set source = delivered.schema -%}
    {%- set file_name = delivered.identifier -%}
    {%- set deliveries = [] -%}
    {%- if execute and load_relation(registry) is not none -%}
        {%- set query -%}
            select read_sql, cast(extract_date as {{ dbt.type_string() }}) as extract_date
            from {{ registry }}
            where source = '{{ source }}' and file_name = '{{ file_name }}' and status = 'current'
            order by extract_date
        {%- endset -%}
        {%- set deliveries = run_query(query).rows -%}
    {%- endif -%}
    {%- if deliveries | length == 0 -%}
        {%- set columns = [] -%}
        {#- `graph` is filled only when executing; at parse time the columns do not matter. -#}
        {%- for node in (graph.sources.values() if execute else [])
                if node.schema == source and node.identifier == file_name -%}
            {%- for column in node.columns -%}{%- do columns.append(column) -%}{%- endfor -%}
        {%- endfor -%}
        (select
            cast(null as {{ dbt.type_string() }}) as _source,
            cast(null as date) as _extract_date,
            cast(null as {{ dbt.type_string() }}) as _file_name,
            cast(null as bigint) as _row_number,
            {%- for column in columns %}
            cast(null as {{ dbt.type_string() }}) as {{ column }},
            {%- endfor %}
            cast(null as {{ dbt.type_string() }}) as _extra_fields
        where false)
    {%- else -%}
        (
        {%- for delivery in deliveries %}
            select
                '{{ source }}' as _source,
                date '{{ delivery[1] }}' as _extract_date,
                '{{ file_name }}' as _file_name,
                numbered.*
            from {{ numbered_file_rows(delivery[0]) }} as numbered
            where {{ unless_delivery_already_staged(registry) }}
            {%- if not loop.last %}
            union all
            {%- endif %}
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}
