-- What local government's field results did, per regency/city (with its province): the
-- visits received and how they matched, the families each field status now holds, the
-- proposals and objections, and the effect on eligibility (families made eligible and no
-- longer eligible by field results, for any programme). A visit counts where it was made
-- (its village), a family where it lives; mart_verifikasi_program splits the effect per
-- programme. Visits and families whose village is unknown count under 'tidak_diketahui'.
with visits as (
    select
        coalesce(substr(coalesce(visits.kode_desa, visits.kode_desa_daftar), 1, 4), 'tidak_diketahui')
            as kode_kabupaten_kota,
        count(*) as jumlah_kunjungan,
        count(*) filter (where visits.family_key is not null) as kunjungan_cocok,
        count(*) filter (where visits.status_penerapan = 'TIDAK_COCOK') as kunjungan_tidak_cocok,
        count(*) filter (where visits.status_penerapan = 'TIDAK_KONSISTEN') as kunjungan_tidak_konsisten,
        count(*) filter (where visits.status_penerapan = 'TIDAK_DITERAPKAN') as kunjungan_tidak_diterapkan,
        count(*) filter (where visits.diterapkan) as kunjungan_diterapkan,
        count(*) filter (where visits.jenis = 'USULAN') as usulan,
        count(*) filter (where visits.cara_cocok = 'usulan_baru' and visits.diterapkan) as usulan_keluarga_baru,
        count(*) filter (where visits.jenis = 'SANGGAHAN') as sanggahan,
        count(*) filter (where visits.jenis = 'SANGGAHAN' and visits.hasil = 'TIDAK_LAYAK') as sanggahan_diterima
    from {{ ref('int_field_visits') }} as visits
    group by coalesce(substr(coalesce(visits.kode_desa, visits.kode_desa_daftar), 1, 4), 'tidak_diketahui')
),

statuses as (
    select
        coalesce(substr(coalesce(visits.kode_desa, visits.kode_desa_daftar), 1, 4), 'tidak_diketahui')
            as kode_kabupaten_kota,
        count(*) filter (where status.status_lapangan = 'TERKONFIRMASI') as keluarga_terkonfirmasi,
        count(*) filter (where status.status_lapangan = 'DITANGGUHKAN') as keluarga_ditangguhkan,
        count(*) filter (where status.status_lapangan = 'DIKECUALIKAN') as keluarga_dikecualikan,
        count(*) filter (where status.status_lapangan = 'KEDALUWARSA') as keluarga_pengecualian_kedaluwarsa,
        count(*) filter (where status.status_lapangan = 'DIPULIHKAN') as keluarga_dipulihkan
    from {{ ref('int_family_field_status') }} as status
    inner join {{ ref('int_field_visits') }} as visits
        on status.id_kunjungan_lapangan = visits.id_kunjungan_lapangan
    group by coalesce(substr(coalesce(visits.kode_desa, visits.kode_desa_daftar), 1, 4), 'tidak_diketahui')
),

effects as (
    select
        coalesce(kode_kabupaten_kota, 'tidak_diketahui') as kode_kabupaten_kota,
        count(distinct family_id) filter (where layak and not layak_tanpa_verifikasi) as keluarga_menjadi_layak,
        count(distinct family_id) filter (where layak_tanpa_verifikasi and not layak) as keluarga_tidak_lagi_layak
    from {{ ref('fct_eligibility') }}
    where status_lapangan is not null
    group by coalesce(kode_kabupaten_kota, 'tidak_diketahui')
),

regencies as (
    select kode_kabupaten_kota from visits
    union
    select kode_kabupaten_kota from statuses
    union
    select kode_kabupaten_kota from effects
)

select
    province_names.nama_wilayah as nama_provinsi,
    regencies.kode_kabupaten_kota,
    regency_names.nama_wilayah as nama_kabupaten_kota,
    case when regencies.kode_kabupaten_kota <> 'tidak_diketahui' then substr(regencies.kode_kabupaten_kota, 1, 2) end
        as kode_provinsi,
    coalesce(visits.jumlah_kunjungan, 0) as jumlah_kunjungan,
    coalesce(visits.kunjungan_cocok, 0) as kunjungan_cocok,
    coalesce(visits.kunjungan_tidak_cocok, 0) as kunjungan_tidak_cocok,
    coalesce(visits.kunjungan_tidak_konsisten, 0) as kunjungan_tidak_konsisten,
    coalesce(visits.kunjungan_tidak_diterapkan, 0) as kunjungan_tidak_diterapkan,
    coalesce(visits.kunjungan_diterapkan, 0) as kunjungan_diterapkan,
    coalesce(statuses.keluarga_terkonfirmasi, 0) as keluarga_terkonfirmasi,
    coalesce(statuses.keluarga_ditangguhkan, 0) as keluarga_ditangguhkan,
    coalesce(statuses.keluarga_dikecualikan, 0) as keluarga_dikecualikan,
    coalesce(statuses.keluarga_pengecualian_kedaluwarsa, 0) as keluarga_pengecualian_kedaluwarsa,
    coalesce(statuses.keluarga_dipulihkan, 0) as keluarga_dipulihkan,
    coalesce(visits.usulan, 0) as usulan,
    coalesce(visits.usulan_keluarga_baru, 0) as usulan_keluarga_baru,
    coalesce(visits.sanggahan, 0) as sanggahan,
    coalesce(visits.sanggahan_diterima, 0) as sanggahan_diterima,
    coalesce(effects.keluarga_menjadi_layak, 0) as keluarga_menjadi_layak,
    coalesce(effects.keluarga_tidak_lagi_layak, 0) as keluarga_tidak_lagi_layak
from regencies
left join visits on regencies.kode_kabupaten_kota = visits.kode_kabupaten_kota
left join statuses on regencies.kode_kabupaten_kota = statuses.kode_kabupaten_kota
left join effects on regencies.kode_kabupaten_kota = effects.kode_kabupaten_kota
left join {{ ref('int_region_names') }} as regency_names
    on regencies.kode_kabupaten_kota = regency_names.kode_wilayah
left join {{ ref('int_region_names') }} as province_names
    on substr(regencies.kode_kabupaten_kota, 1, 2) = province_names.kode_wilayah
