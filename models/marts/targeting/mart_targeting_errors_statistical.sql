-- Statistical targeting errors on the consumption survey (Susenas), weighted: for each
-- programme and list — today's DTKS recipients (dtks_saat_ini) and DTSEN's eligible
-- families (dtsen_layak) — the inclusion and exclusion errors against eligibility judged
-- by measured consumption: the programme's conditions other than the desil, and the desil
-- of the household's measured consumption per person among the survey's weighted persons.
with sample as (
    select
        survey.family_key,
        survey.pengeluaran_perkapita,
        survey.bobot,
        desil.family_id,
        desil.jumlah_anggota
    from {{ ref('int_survey_households') }} as survey
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
        on survey.family_key = pseudonyms.identifier
    inner join {{ ref('fct_household_desil') }} as desil on pseudonyms.pseudonym = desil.family_id
),

measured as (
    select
        family_id,
        bobot,
        {{ desil_of(
            exact_sum(
                'bobot * jumlah_anggota', 'over (order by pengeluaran_perkapita, family_key rows unbounded preceding)'
            ) ~ ' - bobot * jumlah_anggota / 2.0',
            exact_sum('bobot * jumlah_anggota', 'over ()')
        ) }} as desil_konsumsi
    from sample
),

desil_ceilings as (
    select
        program,
        coalesce(nilai_min, 1) as desil_min,
        coalesce(nilai_max, 10) as desil_max
    from {{ ref('int_program_rules_in_force') }}
    where syarat in ('desil_nasional', 'desil_nasional_atau_verifikasi_layak')
),

judged as (
    select
        eligibility.program,
        eligibility.kode_provinsi,
        measured.bobot,
        eligibility.menerima,
        eligibility.layak,
        eligibility.layak_selain_desil
        and measured.desil_konsumsi between desil_ceilings.desil_min and desil_ceilings.desil_max
            as layak_menurut_konsumsi
    from measured
    inner join {{ ref('fct_eligibility') }} as eligibility on measured.family_id = eligibility.family_id
    inner join desil_ceilings on eligibility.program = desil_ceilings.program
    where eligibility.menerima is not null
),

lists as (
    select
        program,
        kode_provinsi,
        bobot,
        layak_menurut_konsumsi,
        'dtks_saat_ini' as daftar,
        menerima as dalam_daftar
    from judged
    union all
    select
        program,
        kode_provinsi,
        bobot,
        layak_menurut_konsumsi,
        'dtsen_layak' as daftar,
        layak as dalam_daftar
    from judged
),

rates as (
    select
        program,
        daftar,
        case when grouping(kode_provinsi) = 1 then 'nasional' else 'provinsi' end as tingkat,
        case when grouping(kode_provinsi) = 1 then 'nasional' else kode_provinsi end as kode_wilayah,
        count(*) as jumlah_sampel,
        coalesce({{ exact_sum('bobot', 'filter (where dalam_daftar)') }}, 0) as bobot_dalam_daftar,
        coalesce({{ exact_sum('bobot', 'filter (where layak_menurut_konsumsi)') }}, 0) as bobot_layak_menurut_konsumsi,
        {{ exact_sum('bobot', 'filter (where dalam_daftar and not layak_menurut_konsumsi)') }}
        / nullif({{ exact_sum('bobot', 'filter (where dalam_daftar)') }}, 0) as inclusion_error_rate,
        {{ exact_sum('bobot', 'filter (where layak_menurut_konsumsi and not dalam_daftar)') }}
        / nullif({{ exact_sum('bobot', 'filter (where layak_menurut_konsumsi)') }}, 0) as exclusion_error_rate
    from lists
    group by program, daftar, rollup(kode_provinsi)
)

select
    rates.program,
    rates.daftar,
    rates.tingkat,
    rates.kode_wilayah,
    region_names.nama_wilayah,
    rates.jumlah_sampel,
    rates.bobot_dalam_daftar,
    rates.bobot_layak_menurut_konsumsi,
    rates.inclusion_error_rate,
    rates.exclusion_error_rate
from rates
left join {{ ref('int_region_names') }} as region_names on rates.kode_wilayah = region_names.kode_wilayah
