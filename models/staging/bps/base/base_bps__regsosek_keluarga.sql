-- Every row of the current Regsosek family file, with the reasons, if any, it cannot be
-- staged. Parquet arrives typed; checks read values as text so a wrongly typed delivery
-- is caught the same way as a CSV one.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_empty('id_keluarga', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_keluarga']),
        reject_if_bad_number('jumlah_art', 'integer'),
        reject_if_unknown_code('lantai', 'lantai', codes, required=false),
        reject_if_unknown_code('dinding', 'dinding', codes, required=false),
        reject_if_unknown_code('atap', 'atap', codes, required=false),
        reject_if_unknown_code('sumber_air_minum', 'sumber_air_minum', codes, required=false),
        reject_if_unknown_code('fasilitas_bab', 'fasilitas_bab', codes, required=false),
        reject_if_unknown_code('sumber_penerangan', 'sumber_penerangan', codes, required=false),
        reject_if_unknown_code('bahan_bakar_masak', 'bahan_bakar_masak', codes, required=false),
        reject_if_unknown_code('status_rumah', 'kepemilikan_rumah', codes, required=false),
        reject_if_bad_number('luas_lantai_m2', 'double'),
        reject_if_unknown_code('punya_kulkas', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_ac', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_sepeda_motor', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_mobil', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_komputer', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_emas_10g', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_lahan', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_rumah_lain', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_ternak', 'ya_tidak', codes, required=false),
        reject_if_bad_date('tanggal_pencacahan', '%Y-%m-%d'),
    ]) }} as _reject_reasons
from {{ landing_rows(source('bps', 'regsosek_keluarga'), ref('stg_landing__delivery_files')) }} as landed
