-- One row per family and programme it could be in (national programmes: every family;
-- regional aid: families in its region) among the programmes running at the decision date
-- (eligibility_date(): the data date unless the var tanggal_keputusan asks another):
-- eligible or not under the rules then in force (int_program_rules_in_force), every
-- condition with its outcome, what the family receives today, and the targeting class.
with households as (
    select
        pseudonyms.identifier as family_key,
        desil.family_id,
        desil.kode_provinsi,
        desil.kode_kabupaten_kota,
        desil.desil_nasional,
        desil.desil_provinsi,
        desil.jumlah_anggota,
        desil.status_pendataan,
        desil.model_pmt,
        household.di_dukcapil,
        household.penerima_pkh,
        household.penerima_bpnt,
        household.penerima_pbi_jk,
        household.penerima_pip
    from {{ ref('fct_household_desil') }} as desil
    inner join {{ ref('fct_household') }} as household on desil.family_id = household.family_id
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
        on desil.family_id = pseudonyms.pseudonym
),

rules as (
    select * from {{ ref('int_program_rules_in_force') }}
),

programs as (
    select distinct
        program,
        kode_wilayah
    from rules
),

member_conditions_met as (
    -- Which member conditions each family meets: one living member satisfying it is enough.
    select distinct
        members.family_key,
        rules.program,
        rules.syarat_no
    from {{ ref('int_eligibility_members') }} as members
    inner join rules
        on case rules.syarat
            when 'anggota_umur'
                then members.umur between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'anggota_lansia'
                then members.umur between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'anggota_sekolah_umur'
                then
                    members.sekolah
                    and members.umur between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'anggota_sekolah_belum_12_tahun'
                then
                    members.sekolah
                    and members.belum_tamat_12_tahun
                    and members.umur between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'anggota_kuliah_umur'
                then
                    members.kuliah_atau_akan_kuliah
                    and members.umur between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'anggota_hamil' then members.hamil
            when 'anggota_disabilitas' then members.disabilitas
            else false
        end
),

excluded_families as (
    -- Families with a living member whose civil-register occupation excludes them.
    select distinct family_key
    from {{ ref('int_eligibility_members') }}
    where pekerjaan_aparatur
),

conditions as (
    select
        households.family_key,
        rules.program,
        rules.syarat_no,
        rules.syarat,
        rules.gabung,
        rules.keterangan,
        coalesce(case rules.syarat
            when 'desil_nasional'
                then households.desil_nasional between coalesce(rules.nilai_min, 1) and coalesce(rules.nilai_max, 10)
            when 'desil_provinsi'
                then households.desil_provinsi between coalesce(rules.nilai_min, 1) and coalesce(rules.nilai_max, 10)
            when 'anggota_hidup'
                then households.jumlah_anggota between coalesce(rules.nilai_min, 0) and coalesce(rules.nilai_max, 999)
            when 'identitas_terverifikasi' then identities.identitas_terverifikasi
            when 'tanpa_anggota_aparatur' then excluded.family_key is null
            else met.family_key is not null
        end, false) as terpenuhi
    from households
    inner join programs
        on programs.kode_wilayah is null or {{ starts_with('households.kode_kabupaten_kota', 'programs.kode_wilayah') }}
    inner join rules on programs.program = rules.program
    left join {{ ref('int_family_identity_checks') }} as identities on households.family_key = identities.family_key
    left join excluded_families as excluded on households.family_key = excluded.family_key
    left join member_conditions_met as met
        on
            households.family_key = met.family_key
            and rules.program = met.program
            and rules.syarat_no = met.syarat_no
),

outcome_masks as (
    -- A family's outcome for a programme as one number, a bit per condition met: the
    -- decision and its reasons then depend on that number only and are worded once per
    -- distinct number (a few dozen) instead of once per family (ordered text aggregates
    -- over every family were most of this model's time).
    select
        family_key,
        program,
        sum(case when terpenuhi then cast(power(2, syarat_no) as bigint) else 0 end) as terpenuhi_mask
    from conditions
    group by family_key, program
),

distinct_masks as (
    select distinct
        program,
        terpenuhi_mask
    from outcome_masks
),

mask_conditions as (
    select
        masks.program,
        masks.terpenuhi_mask,
        rules.syarat_no,
        rules.syarat,
        rules.gabung,
        rules.keterangan,
        ((masks.terpenuhi_mask >> rules.syarat_no) & 1) = 1 as terpenuhi
    from distinct_masks as masks
    inner join rules on masks.program = rules.program
),

mask_decisions as (
    select
        program,
        terpenuhi_mask,
        coalesce(bool_and(terpenuhi) filter (where gabung = 'semua'), true)
        and coalesce(bool_or(terpenuhi) filter (where gabung = 'salah_satu'), true) as layak,
        -- The same decision with the desil conditions taken as met: what statistical
        -- targeting combines with a desil from measured consumption.
        coalesce(bool_and(terpenuhi) filter (where gabung = 'semua' and syarat not like 'desil_%'), true)
        and coalesce(bool_or(terpenuhi) filter (where gabung = 'salah_satu'), true) as layak_selain_desil,
        -- The same decision with the family's identity condition taken as met: what a
        -- programme paying per person combines with each member's own identity
        -- (fct_eligibility_person).
        coalesce(bool_and(terpenuhi) filter (where gabung = 'semua' and syarat != 'identitas_terverifikasi'), true)
        and coalesce(bool_or(terpenuhi) filter (where gabung = 'salah_satu'), true) as layak_selain_identitas,
        {{ ordered_string_agg(
            "keterangan || ': ' || case when terpenuhi then 'ya' else 'tidak' end", "'; '", 'syarat_no'
        ) }} as alasan,
        concat_ws(
            '; ',
            {{ ordered_string_agg('keterangan', "'; '", 'syarat_no') }}
            filter (where gabung = 'semua' and not terpenuhi),
            case
                when not bool_or(terpenuhi) filter (where gabung = 'salah_satu')
                    then
                        'tidak satu pun dari: '
                        || {{ ordered_string_agg('keterangan', "' / '", 'syarat_no') }}
                        filter (where gabung = 'salah_satu')
            end
        ) as syarat_tidak_terpenuhi
    from mask_conditions
    group by program, terpenuhi_mask
),

decisions as (
    select
        outcome_masks.family_key,
        mask_decisions.program,
        mask_decisions.layak,
        mask_decisions.layak_selain_desil,
        mask_decisions.layak_selain_identitas,
        mask_decisions.alasan,
        mask_decisions.syarat_tidak_terpenuhi
    from outcome_masks
    inner join mask_decisions
        on
            outcome_masks.program = mask_decisions.program
            and outcome_masks.terpenuhi_mask = mask_decisions.terpenuhi_mask
),

receipt as (
    select
        decisions.*,
        households.family_id,
        households.kode_provinsi,
        households.kode_kabupaten_kota,
        households.desil_nasional,
        households.desil_provinsi,
        households.status_pendataan,
        households.model_pmt,
        households.di_dukcapil,
        -- DTKS delivers today's receipt of the national programmes only; regional aid has
        -- no recipient list here.
        case decisions.program
            when 'pkh' then households.penerima_pkh
            when 'bpnt' then households.penerima_bpnt
            when 'pbi_jk' then households.penerima_pbi_jk
            when 'pip' then households.penerima_pip
        end as menerima
    from decisions
    inner join households on decisions.family_key = households.family_key
)

select
    receipt.family_id,
    receipt.program,
    receipt.kode_provinsi,
    receipt.kode_kabupaten_kota,
    receipt.desil_nasional,
    receipt.desil_provinsi,
    receipt.status_pendataan,
    receipt.model_pmt = 'register_saja' as desil_dari_register_saja,
    receipt.layak,
    receipt.layak_selain_desil,
    receipt.layak_selain_identitas,
    -- A decision never rests on filled-in indicators without saying so.
    concat_ws(
        '; ',
        receipt.alasan,
        case receipt.status_pendataan
            when 'REGISTER_SAJA'
                then
                    'desil dari model register saja: tidak ada rumah tangga DTKS, P3KE atau Regsosek '
                    || 'yang mendata perumahan dan aset keluarga ini; perlu verifikasi lapangan'
            when 'SEBAGIAN'
                then 'sebagian indikator perumahan/aset tidak didata dan diisi nilai umum survei'
        end
    ) as alasan,
    nullif(receipt.syarat_tidak_terpenuhi, '') as syarat_tidak_terpenuhi,
    receipt.menerima,
    case
        when receipt.menerima and receipt.layak then 'correctly_included'
        when receipt.menerima then 'inclusion_error'
        when not receipt.menerima and receipt.layak then 'exclusion_error'
        when not receipt.menerima then 'correctly_excluded'
    end as status_penargetan,
    coalesce(receipt.menerima and not receipt.di_dukcapil, false) as penerima_tidak_di_dukcapil,
    coalesce(errors.penerima_meninggal, false) as penerima_meninggal,
    coalesce(errors.penerima_ganda, false) as penerima_ganda,
    coalesce(errors.penerima_rumah_tangga_ganda, false) as penerima_rumah_tangga_ganda,
    {{ reference_date(ref('stg_landing__delivery_files')) }} as tanggal_data,
    {{ eligibility_date(ref('stg_landing__delivery_files')) }} as tanggal_keputusan
from receipt
left join {{ ref('int_recipient_data_errors') }} as errors
    on receipt.family_key = errors.family_key and receipt.program = errors.program
