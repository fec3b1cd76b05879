-- Every row of the current consumption-survey file, with the reasons, if any, it cannot
-- be staged: a measurement without consumption or weight is of no use to the PMT.
select
    landed.*,
    {{ reject_reasons([
        reject_if_empty('id_keluarga', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_keluarga']),
        reject_if_bad_number('pengeluaran_perkapita', 'double', required=true),
        reject_if_bad_number('bobot', 'double', required=true),
        reject_if_bad_number('tahun', 'integer', required=true),
    ]) }} as _reject_reasons
from {{ landing_rows(source('bps', 'susenas_konsumsi'), ref('stg_landing__delivery_files')) }} as landed
