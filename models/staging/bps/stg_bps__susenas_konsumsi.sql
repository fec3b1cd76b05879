-- The consumption-survey sample: measured per-capita consumption and survey weight of
-- about 1 % of Regsosek families, the yardstick the proxy-means test is fitted on.
select
    {{ lineage_columns('id_keluarga') }},
    {{ clean_text('id_keluarga') }} as id_keluarga,
    cast({{ clean_text('pengeluaran_perkapita') }} as double) as pengeluaran_perkapita,
    cast({{ clean_text('bobot') }} as double) as bobot,
    cast({{ clean_text('tahun') }} as integer) as tahun
from {{ ref('base_bps__susenas_konsumsi') }}
where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
