-- Every row of the current Regsosek person file, with the reasons, if any, it cannot be
-- staged. A person is keyed by family and line number (no_urut).
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_empty('id_keluarga', 'EMPTY_KEY'),
        reject_if_empty('no_urut', 'EMPTY_KEY'),
        reject_if_bad_number('no_urut', 'integer'),
        reject_if_duplicate_key(['id_keluarga', 'no_urut']),
        reject_if_unknown_code('jenis_kelamin', 'jenis_kelamin', codes),
        reject_if_bad_date('tanggal_lahir', '%Y-%m-%d', required=true),
        reject_if_unknown_code('hubungan_kk', 'hubungan_kk_bps', codes),
        reject_if_unknown_code('ijazah', 'ijazah', codes, required=false),
        reject_if_unknown_code('bekerja', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('lapangan_usaha', 'lapangan_usaha', codes, required=false),
        reject_if_unknown_code('disabilitas', 'ya_tidak', codes, required=false),
        reject_if_unknown_code('sekolah', 'partisipasi_sekolah', codes, required=false),
    ]) }} as _reject_reasons
from {{ landing_rows(source('bps', 'regsosek_individu'), ref('stg_landing__delivery_files')) }} as landed
