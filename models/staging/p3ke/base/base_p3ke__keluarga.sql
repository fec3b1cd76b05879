-- Every row of the current P3KE family file as delivered (text), with the reasons, if
-- any, it cannot be staged.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_empty('id_keluarga_p3ke', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_keluarga_p3ke']),
        reject_if_unknown_code('desil_p3ke', 'desil_p3ke', codes),
        reject_if_bad_number('jumlah_anggota', 'integer'),
        reject_if_unknown_code('jenis_lantai', 'lantai', codes, required=false),
        reject_if_unknown_code('jenis_dinding', 'dinding', codes, required=false),
        reject_if_unknown_code('sumber_air_minum', 'sumber_air_minum', codes, required=false),
        reject_if_unknown_code('fasilitas_bab', 'fasilitas_bab', codes, required=false),
        reject_if_unknown_code('kepemilikan_rumah', 'kepemilikan_rumah', codes, required=false),
        reject_if_bad_number('penghasilan_bulanan', 'bigint'),
        reject_if_bad_date('tanggal_pendataan', '%Y-%m-%d'),
    ]) }} as _reject_reasons
from {{ landing_rows(source('p3ke', 'keluarga'), ref('stg_landing__delivery_files')) }} as landed
