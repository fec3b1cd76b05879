-- One row per family and programme it could be in (national programmes: every family;
-- regional aid: families in its region) among the programmes running at the decision date
-- (eligibility_date(): the data date unless the var tanggal_keputusan asks another):
-- eligible or not under the rules then in force (int_program_rules_in_force), every
-- condition with its outcome, what the family receives today, and the targeting class.
-- Field results (int_family_field_status) come last: layak_tanpa_verifikasi is the decision
-- from central data only, layak the decision after them (a suspension refuses every
-- programme, an exclusion the desil-based ones, each naming the visit), and a confirmed
-- family meets the conditions that ask for a LAYAK visit.
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
        household.penerima_pip,
        field.status_lapangan,
        field.id_kunjungan_lapangan,
        field.keterangan as keterangan_lapangan,
        -- A family found moved lives, for regional programmes, where the visit found it.
        coalesce(substr(field.kode_desa_pindah, 1, 4), desil.kode_kabupaten_kota) as kode_kabupaten_kota_program
    from {{ ref('fct_household_desil') }} as desil
    inner join {{ ref('fct_household') }} as household on desil.family_id = household.family_id
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
        on desil.family_id = pseudonyms.pseudonym
    left join {{ ref('int_family_field_status') }} as field on pseudonyms.identifier = field.family_key
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

desil_programs as (
    -- Programmes that select by desil: a TIDAK_LAYAK field result excludes from these.
    select distinct program
    from rules
    where syarat like 'desil_%'
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
            when 'verifikasi_layak' then households.status_lapangan = 'TERKONFIRMASI'
            when 'desil_nasional_atau_verifikasi_layak'
                then
                    households.desil_nasional between coalesce(rules.nilai_min, 1) and coalesce(rules.nilai_max, 10)
                    or (
                        households.status_lapangan = 'TERKONFIRMASI'
                        and households.desil_nasional >= coalesce(rules.nilai_min, 1)
                        and households.desil_nasional <= rules.nilai_max_verifikasi
                    )
            else met.family_key is not null
        end, false) as terpenuhi,
        -- From central data only no field visit confirms anyone.
        case rules.syarat
            when 'verifikasi_layak' then false
            when 'desil_nasional_atau_verifikasi_layak'
                then
                    coalesce(
                        households.desil_nasional >= coalesce(rules.nilai_min, 1)
                        and households.desil_nasional <= coalesce(rules.nilai_max, 10),
                        false
                    )
        end as terpenuhi_pusat_jika_beda
    from households
    inner join programs
        on
            programs.kode_wilayah is null
            or {{ starts_with('households.kode_kabupaten_kota_program', 'programs.kode_wilayah') }}
    inner join rules on programs.program = rules.program
    left join {{ ref('int_family_identity_checks') }} as identities on households.family_key = identities.family_key
    left join excluded_families as excluded on households.family_key = excluded.family_key
    left join member_conditions_met as met
        on
            households.family_key = met.family_key
            and rules.program = met.program
            and rules.syarat_no = met.syarat_no
),

conditions_both as (
    select
        *,
        coalesce(terpenuhi_pusat_jika_beda, terpenuhi) as terpenuhi_tanpa_verifikasi
    from conditions
),

outcome_masks as (
    -- A family's outcome for a programme as one number, a bit per condition met: the
    -- decision and its reasons then depend on that number only and are worded once per
    -- distinct number (a few dozen) instead of once per family (ordered text aggregates
    -- over every family were most of this model's time).
    select
        family_key,
        program,
        sum(case when terpenuhi then cast(power(2, syarat_no) as bigint) else 0 end) as terpenuhi_mask,
        sum(case when terpenuhi_tanpa_verifikasi then cast(power(2, syarat_no) as bigint) else 0 end)
            as tanpa_verifikasi_mask
    from conditions_both
    group by family_key, program
),

distinct_masks as (
    select
        program,
        terpenuhi_mask
    from outcome_masks
    union
    select
        program,
        tanpa_verifikasi_mask
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

central_decisions as (
    select
        outcome_masks.family_key,
        mask_decisions.program,
        mask_decisions.layak,
        mask_decisions.layak_selain_desil,
        mask_decisions.layak_selain_identitas,
        mask_decisions.alasan,
        mask_decisions.syarat_tidak_terpenuhi,
        central.layak as layak_tanpa_verifikasi
    from outcome_masks
    inner join mask_decisions
        on
            outcome_masks.program = mask_decisions.program
            and outcome_masks.terpenuhi_mask = mask_decisions.terpenuhi_mask
    inner join mask_decisions as central
        on
            outcome_masks.program = central.program
            and outcome_masks.tanpa_verifikasi_mask = central.terpenuhi_mask
),

decisions as (
    -- A field result's refusal: a suspension of every programme, an exclusion of the
    -- desil-based ones.
    select
        central_decisions.*,
        households.status_lapangan,
        households.id_kunjungan_lapangan,
        case
            when households.status_lapangan = 'DITANGGUHKAN' then households.keterangan_lapangan
            when households.status_lapangan = 'DIKECUALIKAN' and desil_programs.program is not null
                then households.keterangan_lapangan
        end as penolakan_lapangan
    from central_decisions
    inner join households on central_decisions.family_key = households.family_key
    left join desil_programs on central_decisions.program = desil_programs.program
),

receipt as (
    select
        decisions.family_key,
        decisions.program,
        decisions.layak_selain_desil,
        decisions.layak_tanpa_verifikasi,
        decisions.status_lapangan,
        decisions.id_kunjungan_lapangan,
        decisions.alasan,
        households.family_id,
        households.kode_provinsi,
        households.kode_kabupaten_kota,
        households.desil_nasional,
        households.desil_provinsi,
        households.status_pendataan,
        households.model_pmt,
        households.di_dukcapil,
        decisions.layak and decisions.penolakan_lapangan is null as layak,
        decisions.layak_selain_identitas and decisions.penolakan_lapangan is null as layak_selain_identitas,
        concat_ws('; ', nullif(decisions.syarat_tidak_terpenuhi, ''), decisions.penolakan_lapangan)
            as syarat_tidak_terpenuhi,
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
    receipt.layak_tanpa_verifikasi,
    receipt.status_lapangan,
    receipt.id_kunjungan_lapangan,
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
                then
                    'sebagian indikator perumahan/aset tidak didata; desil dari model ' || receipt.model_pmt
                    || case receipt.model_pmt
                        when 'lengkap' then ': indikator yang tidak didata diisi nilai umum survei'
                        when 'perumahan' then ': aset tidak didata, indikator perumahan dan data register'
                        else ': tidak ada indikator yang didata, hanya data register'
                    end
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
    -- (a family whose member rows were all quarantined is not known to be missing from it)
    coalesce(
        receipt.menerima and not receipt.di_dukcapil and not coalesce(errors.anggota_dikarantina, false), false
    ) as penerima_tidak_di_dukcapil,
    coalesce(errors.penerima_meninggal, false) as penerima_meninggal,
    coalesce(errors.penerima_ganda, false) as penerima_ganda,
    coalesce(errors.penerima_rumah_tangga_ganda, false) as penerima_rumah_tangga_ganda,
    {{ reference_date(ref('stg_landing__delivery_files')) }} as tanggal_data,
    {{ eligibility_date(ref('stg_landing__delivery_files')) }} as tanggal_keputusan
from receipt
left join {{ ref('int_recipient_data_errors') }} as errors
    on receipt.family_key = errors.family_key and receipt.program = errors.program
