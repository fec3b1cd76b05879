-- Every row of the current civil-register file as delivered (text), with the reasons, if
-- any, it cannot be staged. The register has no record key: rows are known by row number.
{%- set codes = ref('ref_kode') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_unknown_code('jenis_kelamin', 'jenis_kelamin_dukcapil', codes),
        reject_if_bad_date('tanggal_lahir', '%Y-%m-%d', required=true),
        reject_if_unknown_code('agama', 'agama', codes, required=false),
        reject_if_unknown_code('status_kawin', 'status_kawin', codes, required=false),
        reject_if_unknown_code('shdk', 'shdk', codes, required=false),
        reject_if_unknown_code('pendidikan', 'pendidikan', codes, required=false),
        reject_if_bad_date('tanggal_meninggal', '%Y-%m-%d'),
        reject_if_bad_timestamp('tanggal_update', '%Y-%m-%d %H:%M:%S'),
    ]) }} as _reject_reasons
from {{ landing_rows(source('dukcapil', 'penduduk'), ref('stg_landing__delivery_files')) }} as landed
