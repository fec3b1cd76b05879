-- Delivery-level anomaly checks: each source's current delivery against its previous usable
-- one (the newest superseded delivery), file by file. Row counts come from the intake's
-- records; identifiers carried over, null rates and code distributions are read from both
-- deliveries' files through the read_sql the intake stored, and only the columns below, only
-- when a previous delivery exists. Thresholds and verdicts:
-- expectations/suites/delivery_changes.yml.

{#- The sources whose every delivery is a full extract, so that a delivery compares with the
    previous one (a source whose deliveries accumulate, like the field visits of contract
    version 2, would not). Per file: identifiers whose carry-over is measured (of the
    previous delivery's distinct values, the share still delivered), columns whose share of
    blank values is compared, and code columns whose distributions are compared. Contract column names, read as
    delivered (trimmed text; blank is NULL). The results store keeps 20 breaching rows per
    expectation (dtsen.quality.runner.MAX_ROWS_KEPT), so the report can mark each row's
    verdict while no check has more than 20 columns over all files (today: 14 identifiers,
    18 null rates, 17 code columns). -#}
{%- set key_columns = {
    'dukcapil': {
        'penduduk.csv': {'identifiers': ['nik', 'no_kk'],
                         'nulls': ['nik', 'no_kk', 'tanggal_lahir', 'kode_desa', 'tanggal_meninggal'],
                         'codes': ['jenis_kelamin', 'shdk', 'status_kawin']},
    },
    'dtks': {
        'rumah_tangga.csv': {'identifiers': ['id_rt'], 'nulls': ['kode_desa', 'tanggal_verivali'],
                             'codes': ['penerima_pkh', 'penerima_bpnt', 'penerima_pbi_jk', 'lantai']},
        'anggota.csv': {'identifiers': ['id_art', 'nik', 'no_kk'], 'nulls': ['nik', 'no_kk', 'tanggal_lahir'],
                        'codes': ['jenis_kelamin', 'hub_krt', 'penerima_pip']},
    },
    'p3ke': {
        'keluarga.csv': {'identifiers': ['id_keluarga_p3ke', 'no_kk'], 'nulls': ['no_kk', 'nik_kepala_keluarga'],
                         'codes': ['desil_p3ke']},
        'individu.csv': {'identifiers': ['id_individu', 'nik'], 'nulls': ['nik', 'tgl_lahir'],
                         'codes': ['jk', 'hubungan']},
    },
    'bps': {
        'regsosek_keluarga.parquet': {'identifiers': ['id_keluarga', 'no_kk'], 'nulls': ['no_kk'],
                                      'codes': ['lantai', 'sumber_penerangan']},
        'regsosek_individu.parquet': {'identifiers': ['nik'], 'nulls': ['nik', 'tanggal_lahir'],
                                      'codes': ['jenis_kelamin', 'hubungan_kk']},
        'susenas_konsumsi.parquet': {'identifiers': ['id_keluarga'], 'nulls': ['pengeluaran_perkapita'],
                                     'codes': []},
    },
} -%}

{%- set sources_compared = "'" ~ (key_columns | list | join("', '")) ~ "'" -%}
{%- set registry = ref('stg_landing__delivery_files') -%}
{%- set compared = [] -%}
{%- if execute and load_relation(registry) is not none -%}
    {%- set query -%}
        select current_file.source, current_file.file_name, current_file.read_sql, previous_file.read_sql
        from {{ registry }} as current_file
        inner join {{ registry }} as previous_file
            on current_file.source = previous_file.source and current_file.file_name = previous_file.file_name
        where current_file.status = 'current' and previous_file.status = 'superseded'
            and previous_file.extract_date = (
                select max(older.extract_date) from {{ registry }} as older
                where older.source = current_file.source and older.file_name = current_file.file_name
                    and older.status = 'superseded')
        order by current_file.source, current_file.file_name
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
        {%- set columns = key_columns.get(row[0], {}).get(row[1]) -%}
        {%- if columns -%}
            {%- do compared.append({'source': row[0], 'file_name': row[1], 'current': row[2],
                                    'previous': row[3], 'columns': columns}) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with delivery_files as (
    select
        source,
        file_name,
        status,
        delivery,
        extract_date,
        file_rows,
        row_number() over (partition by source, file_name, status order by extract_date desc) as newest
    from {{ registry }}
    where status in ('current', 'superseded')
),

pairs as (
    select
        current_file.source,
        current_file.file_name,
        previous_file.delivery as previous_delivery,
        previous_file.extract_date as previous_extract_date,
        current_file.delivery as current_delivery,
        current_file.extract_date as current_extract_date,
        previous_file.file_rows as previous_rows,
        current_file.file_rows as current_rows
    from delivery_files as current_file
    left join delivery_files as previous_file
        on
            current_file.source = previous_file.source
            and current_file.file_name = previous_file.file_name
            and previous_file.status = 'superseded'
            and previous_file.newest = 1
    where
        current_file.status = 'current'
        and current_file.source in ({{ sources_compared }})
),

{% for file in compared %}
    {%- set columns = (file.columns.identifiers + file.columns.nulls + file.columns.codes) | unique | list %}
    {%- for side in ['previous', 'current'] %}
{{ side }}_{{ file.source }}__{{ file.file_name.split('.')[0] }} as {{ materialized_cte() }} (
    select
        {%- for column in columns %}
            {%- set value = "nullif(trim(cast(landed." ~ column ~ " as " ~ dbt.type_string() ~ ")), '')" %}
        {{ fingerprint(value) if column in file.columns.identifiers else value }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ delivery_file_rows(file[side], side) }} as landed
),

{{ side }}_blanks_{{ file.source }}__{{ file.file_name.split('.')[0] }} as (
    select
        {%- for column in file.columns.nulls %}
        count({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as delivered_rows
    from {{ side }}_{{ file.source }}__{{ file.file_name.split('.')[0] }}
),
    {% endfor %}
{% endfor %}

{#- Per check, previous and current value and the change: identifiers_kept: distinct
    identifiers of the previous delivery, how many of them the current one holds, and that
    share; null_rate: share of blank values before and after, and the difference;
    code_shift: the code whose share changed most (its share before and after) and the
    total variation distance of the two distributions (half the sum of every code's
    absolute share change; blank values are the null-rate check's). -#}
measured as (
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as file_name,
        cast(null as {{ dbt.type_string() }}) as check_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as double) as previous_value,
        cast(null as double) as current_value,
        cast(null as double) as change,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as code
    where false  -- noqa: LT02
{%- for file in compared %}
    {%- set name = file.source ~ '__' ~ file.file_name.split('.')[0] %}
    {%- set previous, current = 'previous_' ~ name, 'current_' ~ name %}
    {%- set label = "'" ~ file.source ~ "' as source, '" ~ file.file_name ~ "' as file_name" %}
    {%- for column in file.columns.identifiers %}
    union all
    select
        {{ label }},
        'identifiers_kept' as check_name,
        '{{ column }}' as column_name,
        cast(count(*) as double) as previous_value,
        cast(count(kept.identifier) as double) as current_value,
        cast(count(kept.identifier) as double) / nullif(count(*), 0) as change,
        cast(null as {{ dbt.type_string() }}) as code
    from (select distinct {{ column }} as identifier from {{ previous }} where {{ column }} is not null) as delivered
    left join (select distinct {{ column }} as identifier from {{ current }} where {{ column }} is not null) as kept
        on delivered.identifier = kept.identifier
    {%- endfor %}
    {%- for column in file.columns.nulls %}
    union all
    select
        {{ label }},
        'null_rate' as check_name,
        '{{ column }}' as column_name,
        1.0 - before.{{ column }} / nullif(before.delivered_rows, 0) as previous_value,
        1.0 - after.{{ column }} / nullif(after.delivered_rows, 0) as current_value,
        before.{{ column }} / nullif(before.delivered_rows, 0)
        - after.{{ column }} / nullif(after.delivered_rows, 0) as change,
        cast(null as {{ dbt.type_string() }}) as code
    from previous_blanks_{{ name }} as before
    cross join current_blanks_{{ name }} as after
    {%- endfor %}
    {%- for column in file.columns.codes %}
    union all
    select
        {{ label }},
        'code_shift' as check_name,
        '{{ column }}' as column_name,
        previous_share as previous_value,
        current_share as current_value,
        distance as change,
        code
    from (
        select
            code,
            previous_share,
            current_share,
            row_number() over (order by abs(current_share - previous_share) desc, code) as largest,
            -- undefined when either delivery holds no value of the column
            case when max(in_previous) over () = 1 and max(in_current) over () = 1
                then sum(abs(current_share - previous_share)) over () / 2 end as distance
        from (
            select
                coalesce(before.code, after.code) as code,
                coalesce(before.share, 0.0) as previous_share,
                coalesce(after.share, 0.0) as current_share,
                case when before.code is null then 0 else 1 end as in_previous,
                case when after.code is null then 0 else 1 end as in_current
            from (
                select {{ column }} as code, count(*) / sum(count(*)) over () as share
                from {{ previous }} where {{ column }} is not null group by {{ column }}
            ) as before
            full outer join (
                select {{ column }} as code, count(*) / sum(count(*)) over () as share
                from {{ current }} where {{ column }} is not null group by {{ column }}
            ) as after
                on before.code = after.code
        ) as shares
    ) as ranked
    where largest = 1
    {%- endfor %}
{%- endfor %}
),

checks as (
    select
        source,
        file_name,
        'row_count' as check_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(previous_rows as double) as previous_value,
        cast(current_rows as double) as current_value,
        cast(current_rows as double) / nullif(previous_rows, 0) - 1 as change,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as code
    from pairs
    union all
    select * from measured
)

select
    pairs.source,
    pairs.file_name,
    checks.check_name,
    checks.column_name,
    pairs.previous_delivery,
    pairs.previous_extract_date,
    pairs.current_delivery,
    pairs.current_extract_date,
    checks.previous_value,
    checks.current_value,
    checks.change,
    checks.code,
    case when pairs.previous_delivery is null then 'first_delivery' else 'compared' end as comparison
from pairs
inner join checks
    on pairs.source = checks.source and pairs.file_name = checks.file_name
