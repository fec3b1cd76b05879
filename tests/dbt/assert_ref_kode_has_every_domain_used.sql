-- Every code list the staging models check against or label from exists in ref_kode:
-- a missing or renamed domain would refuse every row of a column as UNKNOWN_CODE.
-- Returns the domains that are missing.
{%- set domains_used = [
    'agama', 'atap', 'bahan_bakar_masak', 'desil_p3ke', 'dinding', 'disabilitas_dtks',
    'fasilitas_bab', 'hasil_verifikasi', 'hub_krt', 'hubungan_kk_bps', 'ijazah', 'jenis_kelamin',
    'jenis_kelamin_dukcapil', 'jenis_kelamin_p3ke', 'jenis_kunjungan', 'kepemilikan_rumah', 'lantai',
    'lapangan_usaha', 'partisipasi_sekolah', 'pendidikan', 'shdk', 'status_kawin',
    'status_sekolah_p3ke', 'sumber_air_minum', 'sumber_penerangan', 'ya_tidak',
] %}
with domains_used as (
    {% for domain in domains_used %}
        select '{{ domain }}' as domain_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select domains_used.domain_name
from domains_used
where domains_used.domain_name not in (
    select ref_kode.domain from {{ ref('ref_kode') }} as ref_kode
)
