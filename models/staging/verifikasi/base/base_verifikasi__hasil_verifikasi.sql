-- Every row of every current field-verification delivery (they accumulate) as delivered
-- (text), with the reasons, if any, it cannot be staged.
{%- set codes = ref('ref_kode') %}
{%- set jenis = clean_text('jenis') %}
{%- set hasil = clean_text('hasil') %}
select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        reject_if_empty('id_kunjungan', 'EMPTY_KEY'),
        reject_if_duplicate_key(['id_kunjungan'], within=['_extract_date']),
        reject_if_unknown_code('jenis', 'jenis_kunjungan', codes),
        "case when " ~ jenis ~ " = 'VERIFIKASI' and " ~ clean_text('id_daftar')
            ~ " is null then 'MISSING_VALUE:id_daftar' end",
        reject_if_empty('kode_desa'),
        reject_if_unknown_code('hasil', 'hasil_verifikasi', codes),
        "case when " ~ jenis ~ " = 'USULAN' and " ~ hasil ~ " not in ('LAYAK', 'TIDAK_LAYAK')
            and " ~ code_in_domain(hasil, 'hasil_verifikasi', codes) ~ " then 'UNKNOWN_CODE:hasil' end",
        reject_if_unknown_code('lantai', 'lantai', codes, required=false),
        reject_if_unknown_code('dinding', 'dinding', codes, required=false),
        reject_if_unknown_code('atap', 'atap', codes, required=false),
        reject_if_unknown_code('sumber_air_minum', 'sumber_air_minum', codes, required=false),
        reject_if_unknown_code('fasilitas_bab', 'fasilitas_bab', codes, required=false),
        reject_if_unknown_code('sumber_penerangan', 'sumber_penerangan', codes, required=false),
        reject_if_unknown_code('bahan_bakar_masak', 'bahan_bakar_masak', codes, required=false),
        reject_if_bad_number('jumlah_anggota', 'integer'),
        reject_if_bad_date('tanggal_kunjungan', '%Y-%m-%d', required=true),
        reject_if_after_extract('tanggal_kunjungan', '%Y-%m-%d'),
        reject_if_empty('petugas'),
    ]) }} as _reject_reasons
from {{ accumulated_landing_rows(source('verifikasi', 'hasil_verifikasi'), ref('stg_landing__delivery_files')) }}
    as landed
