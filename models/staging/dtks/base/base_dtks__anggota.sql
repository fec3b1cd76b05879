-- Every row of the current DTKS member file as delivered (text), with the reasons, if
-- any, it cannot be staged.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_empty('id_art', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_art']),
        reject_if_empty('id_rt', 'EMPTY_KEY'),
        reject_if_unknown_code('jenis_kelamin', 'jenis_kelamin', codes),
        reject_if_bad_date('tanggal_lahir', '%d/%m/%Y', required=true),
        reject_if_unknown_code('hub_krt', 'hub_krt', codes),
        reject_if_unknown_code('partisipasi_sekolah', 'partisipasi_sekolah', codes, required=false),
        reject_if_unknown_code('disabilitas', 'disabilitas_dtks', codes, required=false),
        reject_if_unknown_code('hamil', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('penerima_pip', 'ya_tidak', codes),
    ]) }} as _reject_reasons
from {{ landing_rows(source('dtks', 'anggota'), ref('stg_landing__delivery_files')) }} as landed
