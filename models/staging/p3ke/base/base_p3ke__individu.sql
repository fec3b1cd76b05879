-- Every row of the current P3KE person file as delivered (text), with the reasons, if
-- any, it cannot be staged.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_empty('id_individu', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_individu']),
        reject_if_empty('id_keluarga_p3ke', 'EMPTY_KEY'),
        reject_if_unknown_code('jk', 'jenis_kelamin_p3ke', codes),
        reject_if_bad_date('tgl_lahir', '%Y-%m-%d', required=true),
        reject_if_unknown_code('hubungan', 'shdk', codes, required=false),
        reject_if_unknown_code('pendidikan', 'pendidikan', codes, required=false),
        reject_if_unknown_code('status_sekolah', 'status_sekolah_p3ke', codes, required=false),
    ]) }} as _reject_reasons
from {{ landing_rows(source('p3ke', 'individu'), ref('stg_landing__delivery_files')) }} as landed
