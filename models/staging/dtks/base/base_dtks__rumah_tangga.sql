-- Every row of the current DTKS household file as delivered (text), with the reasons, if
-- any, it cannot be staged.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_empty('id_rt', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_rt']),
        reject_if_bad_number('jumlah_art', 'integer'),
        reject_if_unknown_code('lantai', 'lantai', codes, required=false),
        reject_if_unknown_code('dinding', 'dinding', codes, required=false),
        reject_if_unknown_code('atap', 'atap', codes, required=false),
        reject_if_unknown_code('sumber_air_minum', 'sumber_air_minum', codes, required=false),
        reject_if_unknown_code('fasilitas_bab', 'fasilitas_bab', codes, required=false),
        reject_if_unknown_code('sumber_penerangan', 'sumber_penerangan', codes, required=false),
        reject_if_unknown_code('bahan_bakar_masak', 'bahan_bakar_masak', codes, required=false),
        reject_if_unknown_code('punya_kulkas', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_ac', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_sepeda_motor', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_mobil', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_lahan', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('punya_ternak', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('penerima_pkh', 'ya_tidak', codes),
        reject_if_unknown_code('penerima_bpnt', 'ya_tidak', codes),
        reject_if_unknown_code('penerima_pbi_jk', 'ya_tidak', codes),
        reject_if_bad_date('tanggal_verivali', '%d/%m/%Y'),
    ]) }} as _reject_reasons
from {{ landing_rows(source('dtks', 'rumah_tangga'), ref('stg_landing__delivery_files')) }} as landed
