-- Row conservation, per current delivery file (a source whose deliveries accumulate has
-- several current deliveries of a file, each counted on its own): the manifest's row count
-- equals rows staged plus rows quarantined, and together they hold each data-row number
-- 1..N exactly once.
-- Returns the files that break it.
{%- set staging_models = [
    'stg_dukcapil__penduduk', 'stg_dtks__rumah_tangga', 'stg_dtks__anggota',
    'stg_p3ke__keluarga', 'stg_p3ke__individu', 'stg_bps__regsosek_keluarga',
    'stg_bps__regsosek_individu', 'stg_bps__susenas_konsumsi',
    'stg_verifikasi__hasil_verifikasi', 'stg_verifikasi__anggota_usulan',
] %}
with landed_rows as (
    {% for model in staging_models %}
        select
            source,
            extract_date,
            source_file,
            source_row_number,
            'staged' as outcome
        from {{ ref(model) }}
        union all
    {% endfor %}
    select
        source,
        extract_date,
        source_file,
        source_row_number,
        'quarantined' as outcome
    from {{ ref('stg_landing__quarantine') }}
),

per_file as (
    select
        source,
        extract_date,
        source_file,
        count(*) as rows_landed,
        count(distinct source_row_number) as distinct_row_numbers,
        min(source_row_number) as first_row_number,
        max(source_row_number) as last_row_number,
        count(*) filter (where outcome = 'staged') as rows_staged,
        count(*) filter (where outcome = 'quarantined') as rows_quarantined
    from landed_rows
    group by source, extract_date, source_file
)

select
    delivered.source,
    delivered.file_name,
    delivered.delivery,
    delivered.manifest_rows,
    coalesce(per_file.rows_staged, 0) as rows_staged,
    coalesce(per_file.rows_quarantined, 0) as rows_quarantined
from {{ ref('stg_landing__delivery_files') }} as delivered
left join per_file
    on
        delivered.source = per_file.source
        and delivered.extract_date = per_file.extract_date
        and delivered.file_name = per_file.source_file
where
    delivered.status = 'current'
    and (
        delivered.manifest_rows <> coalesce(per_file.rows_landed, 0)
        or coalesce(per_file.distinct_row_numbers, 0) <> delivered.manifest_rows
        or (
            delivered.manifest_rows > 0
            and (per_file.first_row_number <> 1 or per_file.last_row_number <> delivered.manifest_rows)
        )
    )
