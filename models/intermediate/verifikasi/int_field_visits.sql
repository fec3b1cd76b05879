-- Every staged field visit (verifikasi hasil_verifikasi, every delivery: they accumulate)
-- with the family it matched, how, and whether it is applied. A visit is matched by its
-- id_daftar when that resolves to a family of an issued list; a village's proposal found
-- eligible by the household it stands for (int_household_families, source verifikasi);
-- otherwise like any record: by its card (a register card, or a card a source delivered for
-- a family it knows), else by the head's NIK. Nothing is dropped: a visit that matches
-- nothing, or whose id_daftar resolves while its card is a register card of another family
-- (inconsistent), stays with the reason and no effect.
with visits as (
    select
        *,
        {{ field_visit_key('visits') }} as id_kunjungan_lapangan
    from {{ ref('stg_verifikasi__hasil_verifikasi') }} as visits
),

families as (
    select family_key from {{ ref('int_family_members') }}
    union
    select family_key from {{ ref('int_household_families') }}
),

listed as (
    select
        lists.id_daftar,
        lists.kode_desa,
        families.family_key
    from {{ ref('stg_daftar__daftar_verifikasi') }} as lists
    left join families on lists.family_key = families.family_key
),

register_cards as (
    select distinct records.no_kk_clean
    from {{ ref('int_person_records') }} as records
    inner join families on records.no_kk_clean = families.family_key
    where records.source = 'dukcapil'
),

-- A card a source delivered for a household the register does not know under it: the
-- family most of the records carrying it belong to.
source_card_records as (
    select
        records.no_kk_clean,
        households.family_key,
        count(*) as records
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_household_families') }} as households
        on records.source = households.source and records.source_household_id = households.source_household_id
    where records.source <> 'dukcapil' and records.no_kk_clean is not null
    group by records.no_kk_clean, households.family_key
),

source_cards as (
    select
        no_kk_clean,
        family_key
    from source_card_records
    qualify row_number() over (partition by no_kk_clean order by records desc, family_key asc) = 1
),

-- A head's NIK names a family when the persons holding it belong to one family only.
nik_families as (
    select
        persons.resolved_nik,
        min(members.family_key) as family_key
    from {{ ref('int_persons') }} as persons
    inner join {{ ref('int_family_members') }} as members on persons.person_id = members.person_id
    where persons.resolved_nik is not null
    group by persons.resolved_nik
    having count(distinct members.family_key) = 1
),

proposals as (
    select
        source_household_id,
        family_key,
        family_link_basis
    from {{ ref('int_household_families') }}
    where source = 'verifikasi'
),

living as (
    select
        family_key,
        count(*) filter (where is_living) as living_members
    from {{ ref('int_family_members') }}
    group by family_key
),

matched as (
    select
        visits.*,
        listed.family_key as listed_family_key,
        listed.kode_desa as kode_desa_daftar,
        listed.id_daftar is not null as id_daftar_dikenal,
        case
            when listed.family_key is not null then 'id_daftar'
            when proposals.family_link_basis = 'unknown_to_register' then 'usulan_baru'
            when proposals.family_key is not null then 'usulan_di_dukcapil'
            when register_cards.no_kk_clean is not null or source_cards.family_key is not null then 'no_kk'
            when nik_families.family_key is not null then 'nik_kepala_keluarga'
        end as cara_cocok,
        coalesce(
            listed.family_key,
            proposals.family_key,
            register_cards.no_kk_clean,
            source_cards.family_key,
            nik_families.family_key
        ) as family_key,
        coalesce(
            listed.family_key is not null
            and register_cards.no_kk_clean is not null
            and register_cards.no_kk_clean <> listed.family_key,
            false
        ) as kk_keluarga_lain
    from visits
    left join listed on visits.id_daftar = listed.id_daftar
    left join proposals on visits.id_kunjungan_lapangan = proposals.source_household_id
    left join register_cards on visits.no_kk_clean = register_cards.no_kk_clean
    left join source_cards on visits.no_kk_clean = source_cards.no_kk_clean
    left join nik_families on visits.nik_kepala_keluarga_clean = nik_families.resolved_nik
),

judged as (
    select
        matched.*,
        case
            when matched.jenis = 'USULAN' and matched.hasil <> 'LAYAK' then 'TIDAK_DITERAPKAN'
            when matched.family_key is null then 'TIDAK_COCOK'
            when matched.kk_keluarga_lain then 'TIDAK_KONSISTEN'
            when matched.hasil = 'MENINGGAL' and coalesce(living.living_members, 0) > 0 then 'TIDAK_DITERAPKAN'
            else 'DITERAPKAN'
        end as status_penerapan
    from matched
    left join living on matched.family_key = living.family_key
),

worded as (
    select
        judged.*,
        case judged.status_penerapan
            when 'TIDAK_COCOK'
                then
                    case
                        when judged.id_daftar is not null and judged.id_daftar_dikenal
                            then 'keluarga id_daftar ' || judged.id_daftar || ' tidak ada lagi di data'
                        when judged.id_daftar is not null
                            then 'id_daftar ' || judged.id_daftar || ' tidak ada di daftar yang pernah terbit'
                        else 'tanpa id_daftar'
                    end || '; no_kk dan NIK kepala keluarga tidak dikenal'
            when 'TIDAK_KONSISTEN'
                then
                    'no_kk kunjungan adalah kartu keluarga lain di Dukcapil, bukan keluarga id_daftar '
                    || judged.id_daftar
            when 'TIDAK_DITERAPKAN' then
                case
                    when judged.jenis = 'USULAN'
                        then 'usulan dinilai ' || judged.hasil || ': tidak masuk sebagai keluarga calon'
                    else 'MENINGGAL tidak diterapkan: keluarga masih punya anggota hidup (kematian dicatat Dukcapil)'
                end
        end as keterangan_mentah
    from judged
)

select
    id_kunjungan_lapangan,
    source,
    extract_date,
    source_file,
    source_row_number,
    id_kunjungan,
    jenis,
    id_daftar,
    kode_desa,
    kode_desa_daftar,
    hasil,
    alasan,
    lantai,
    dinding,
    atap,
    sumber_air_minum,
    fasilitas_bab,
    sumber_penerangan,
    bahan_bakar_masak,
    jumlah_anggota,
    tanggal_kunjungan,
    petugas,
    id_daftar_dikenal,
    status_penerapan,
    case when status_penerapan not in ('TIDAK_COCOK', 'TIDAK_KONSISTEN') then family_key end as family_key,
    case when status_penerapan not in ('TIDAK_COCOK', 'TIDAK_KONSISTEN') then cara_cocok end as cara_cocok,
    status_penerapan = 'DITERAPKAN' as diterapkan,
    -- An id_daftar as typed may hold a NIK: masked before it is worded into a report.
    {{ mask_identifier_digits('keterangan_mentah') }} as keterangan
from worded
