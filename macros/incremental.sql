{#- Staging is incremental by delivery. A delivery is a full extract, so a source's staging
    models (base_<source>__*, stg_<source>__*) either keep every row they hold, when
    nothing they were built from has changed, or are emptied and filled again from the new
    delivery. "Built from" is the fingerprint below, kept as the table's comment: the
    source's current delivery (each file's sha256; for a source whose deliveries accumulate,
    every current delivery's), the code of the model and of the models
    it reads, every macro and seed of the project, and the vars staging reads. In a month where only Dukcapil and
    DTKS deliver, the staging of P3KE and BPS costs nothing.
    `registry` is the intake (stg_landing__delivery_files), passed in by the model and by
    the folder's hooks in dbt_project.yml, so that each names its dependency on it. -#}

{#- The source a staging model stages, from its name (base_<source>__x, stg_<source>__x). -#}
{% macro staging_source() -%}
    {{ return(model.name.split('__')[0].split('_', 1)[1]) }}
{%- endmacro %}

{% macro staging_fingerprint(registry) -%}
    {%- set query -%}
        select string_agg(file_name || '=' || file_sha256, ',' order by file_name, extract_date)
        from {{ registry }}
        where source = '{{ staging_source() }}' and status = 'current'
    {%- endset -%}
    {%- set parts = [run_query(query).rows[0][0], model.checksum.checksum,
                     var('min_plausible_birth_date'), target.type] -%}
    {%- for node_id in model.depends_on.nodes | sort if node_id in graph.nodes -%}
        {%- do parts.append(graph.nodes[node_id].checksum.checksum) -%}
    {%- endfor -%}
    {#- the project's macros: `graph` has no macros, the project's namespace has them all -#}
    {%- for name in dtsen.keys() | sort -%}
        {%- do parts.append(local_md5(dtsen[name].macro.macro_sql)) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') if node.resource_type == 'seed' -%}
        {%- do parts.append(node.checksum.checksum) -%}
    {%- endfor -%}
    {{ return('staged:' ~ local_md5(parts | join('|'))) }}
{%- endmacro %}

{#- True when this run may keep the model's rows: an incremental run of a table built from
    what it would be built from now. -#}
{% macro delivery_already_staged(registry) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(table_comment(this) == staging_fingerprint(registry)) }}
{%- endmacro %}

{#- The filter a staging model puts on its rows: none, or all of them when already staged. -#}
{% macro unless_delivery_already_staged(registry) -%}
    {{ 'false /* delivery already staged: rows kept */' if delivery_already_staged(registry) else 'true' }}
{%- endmacro %}

{#- Pre-hook: a table about to take a new delivery loses the rows of the old one. -#}
{% macro clear_superseded_delivery(registry) -%}
    {%- if execute and is_incremental() and not delivery_already_staged(registry) -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: what the table now holds. -#}
{% macro record_staged_delivery(registry) -%}
    {%- if execute and config.get('materialized') == 'incremental' -%}
        {{ set_table_comment(this, staging_fingerprint(registry)) }}
    {%- endif -%}
{%- endmacro %}

{% macro table_comment(relation) -%}
    {{ return(adapter.dispatch('table_comment', 'dtsen')(relation)) }}
{%- endmacro %}

{% macro default__table_comment(relation) -%}
    {%- set query -%}
        select comment from duckdb_tables()
        where database_name = '{{ relation.database }}' and schema_name = '{{ relation.schema }}'
            and table_name = '{{ relation.identifier }}'
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {{ return(rows[0][0] if rows | length == 1 else none) }}
{%- endmacro %}

{% macro set_table_comment(relation, comment) -%}
    {{ return(adapter.dispatch('set_table_comment', 'dtsen')(relation, comment)) }}
{%- endmacro %}

{% macro default__set_table_comment(relation, comment) -%}
    comment on table {{ relation }} is '{{ comment }}'
{%- endmacro %}

{#- Post-hook of an incremental Python model. On an incremental run dbt-duckdb 1.11 writes a
    Python model's rows to <model>__dbt_tmp<timestamp> as a plain table in the database's
    default schema (a SQL model's is a temporary table) and never drops it: without this,
    one stray table more every month. -#}
{% macro drop_python_model_leftovers() -%}
    {%- if execute and is_incremental() -%}
        {%- set query -%}
            select schema_name, table_name from duckdb_tables()
            where database_name = '{{ this.database }}'
                and starts_with(table_name, '{{ this.identifier }}__dbt_tmp')
        {%- endset -%}
        {%- for row in run_query(query).rows -%}
            drop table {{ adapter.quote(row[0]) }}.{{ adapter.quote(row[1]) }};
        {% endfor -%}
    {%- endif -%}
{%- endmacro %}
