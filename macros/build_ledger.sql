{#- The build ledger: which dbt invocation wrote each published table, whether that
    invocation finished with every node passing, and which deliveries it was built from.
    `dtsen quality` and `dtsen publish` read it (dtsen/publish.py, build_state) to refuse
    marts of an interrupted, failed or partial build: without it a build killed half-way
    leaves last month's marts beside this month's, and nothing can tell them apart.

    Schema build_ledger of the working database (never marts: publish copies all of marts):
    - builds: one row per invocation (invocation_id, command, started_at, finished_at,
      status running | success | failed, problem). on-run-start writes it as running;
      on-run-end sets success only when every selected node ran and succeeded (warn counts
      as success; error, fail, skipped and nodes never run do not). A killed build stays
      running for ever.
    - mart_builds: per table of marts, the invocation that last wrote it. Written by the
      model's post-hook, which dbt-duckdb runs inside the model's transaction (before its
      adapter.commit()), so a table and its stamp are committed together or not at all.
    - build_deliveries: per successful invocation, the current rows of
      staging.stg_landing__delivery_files when it finished (what its marts were built from).

    Spark (dbt-spark) keeps no ledger: its tables take no DELETE or UPDATE, and publishing
    reads only a DuckDB working database. -#}

{% macro build_ledger_start() -%}
    {{ return(adapter.dispatch('build_ledger_start', 'dtsen')()) }}
{%- endmacro %}

{% macro default__build_ledger_start() -%}
    create schema if not exists build_ledger;
    create table if not exists build_ledger.builds (
        invocation_id varchar, command varchar, started_at timestamptz, finished_at timestamptz,
        status varchar, problem varchar);
    create table if not exists build_ledger.mart_builds (
        table_name varchar, invocation_id varchar, built_at timestamptz);
    create table if not exists build_ledger.build_deliveries (
        invocation_id varchar, source varchar, delivery varchar, extract_date date, file_name varchar,
        file_sha256 varchar, file_rows bigint);
    insert into build_ledger.builds values
        ('{{ invocation_id }}', '{{ flags.WHICH }}', now(), null, 'running', null)
{%- endmacro %}

{% macro spark__build_ledger_start() -%}{%- endmacro %}

{#- Post-hook of every table of marts (models and the snapshot). -#}
{% macro stamp_mart() -%}
    {{ return(adapter.dispatch('stamp_mart', 'dtsen')()) }}
{%- endmacro %}

{% macro default__stamp_mart() -%}
    delete from build_ledger.mart_builds where table_name = '{{ this.identifier }}';
    insert into build_ledger.mart_builds values ('{{ this.identifier }}', '{{ invocation_id }}', now())
{%- endmacro %}

{% macro spark__stamp_mart() -%}{%- endmacro %}

{#- on-run-end: `results` holds every node that ran (on-run-start hooks too). -#}
{% macro build_ledger_end(results) -%}
    {{ return(adapter.dispatch('build_ledger_end', 'dtsen')(results)) }}
{%- endmacro %}

{% macro default__build_ledger_end(results) -%}
    {%- set ok = ['success', 'pass', 'warn'] -%}
    {%- set ran = [] -%}
    {%- set bad = [] -%}
    {%- for result in results -%}
        {%- do ran.append(result.node.unique_id) -%}
        {%- if (result.status | string) not in ok -%}
            {%- do bad.append(result.node.name ~ ' ' ~ result.status) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set never_ran = [] -%}
    {%- for unique_id in selected_resources if unique_id not in ran -%}
        {%- do never_ran.append(unique_id.split('.')[2]) -%}
    {%- endfor -%}
    {%- set problem = [] -%}
    {%- if bad -%}
        {%- do problem.append(bad | length ~ ' node(s) not successful: ' ~ bad[:5] | join(', ')) -%}
    {%- endif -%}
    {%- if never_ran -%}
        {%- do problem.append(never_ran | length ~ ' node(s) never ran: ' ~ never_ran[:5] | join(', ')) -%}
    {%- endif -%}
    {%- set deliveries = adapter.get_relation(database=target.database, schema='staging',
                                              identifier='stg_landing__delivery_files') -%}
    {#- One transaction: a build is never success without its deliveries. -#}
    begin transaction;
    {%- if deliveries is not none and not problem %}
    insert into build_ledger.build_deliveries
    select distinct '{{ invocation_id }}', source, delivery, extract_date, file_name, file_sha256, file_rows
    from {{ deliveries }} where status = 'current';
    {%- endif %}
    update build_ledger.builds
    set finished_at = now(),
        status = '{{ "failed" if problem else "success" }}',
        problem = {{ "'" ~ (problem | join('; ') | replace("'", "''")) ~ "'" if problem else 'null' }}
    where invocation_id = '{{ invocation_id }}';
    commit
{%- endmacro %}

{% macro spark__build_ledger_end(results) -%}{%- endmacro %}
