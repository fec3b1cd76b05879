-- What a family's members say of its welfare beyond its size (macros/welfare.sql,
-- pmt_member_variables, and the register-only PMT's shares of pupils and workers and mean
-- adult diploma): how many depend on the members of working age, and the education and
-- occupation of its adults as the civil register records them
-- (int_person_register_attributes). The register describes every family alike, surveyed
-- or not, so the same features serve all three PMTs (int_household_register_features
-- says why). Education is counted over members 25 and older, whose schooling is done (as
-- BPS's mean years of schooling); occupation over members 15 and older, BPS's working-age
-- population. A share is NULL when no such member has a register value, and the feature
-- models then fill in the mean over all families.
with members as (
    select
        members.family_key,
        members.umur,
        register_facts.ijazah,
        register_facts.pekerjaan,
        {{ pekerjaan_group('register_facts.pekerjaan') }} as kelompok_pekerjaan
    from {{ ref('int_living_family_members') }} as members
    left join {{ ref('int_person_register_attributes') }} as register_facts
        on members.person_id = register_facts.person_id
),

counts as (
    select
        family_key,
        count(*) as anggota,
        count(case when pekerjaan = 'PELAJAR/MAHASISWA' then 1 end) as pelajar,
        count(case when {{ pekerjaan_is_work('pekerjaan') }} then 1 end) as bekerja,
        -- Diplomas are small integers: their mean is exact on every engine.
        avg(case when umur >= 25 then ijazah end) as rata_rata_ijazah_dewasa,
        -- A member without a birth date is in neither group.
        count(case when umur < 15 or umur >= 65 then 1 end) as tanggungan,
        count(case when umur between 15 and 64 then 1 end) as usia_produktif,
        count(case when umur >= 25 and ijazah is not null then 1 end) as dewasa_berijazah_diketahui,
        count(case when umur >= 25 and ijazah = 2 then 1 end) as dewasa_smp,
        count(case when umur >= 25 and ijazah = 3 then 1 end) as dewasa_sma,
        count(case when umur >= 25 and ijazah >= 4 then 1 end) as dewasa_perguruan_tinggi,
        count(case when umur >= 15 and kelompok_pekerjaan is not null then 1 end) as usia_kerja_diketahui,
        {%- for group in pekerjaan_groups() %}
            count(case when umur >= 15 and kelompok_pekerjaan = '{{ group }}' then 1 end)
                as usia_kerja_{{ group }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from members
    group by family_key
)

select
    family_key,
    pelajar / anggota as porsi_pelajar,
    bekerja / anggota as porsi_bekerja,
    rata_rata_ijazah_dewasa,
    -- Dependants (under 15, 65 and older) per member aged 15-64. A family with nobody of
    -- working age has its dependants counted over one such member: a lone elderly person
    -- depends as much as a worker's one child does, rather than not at all.
    case
        when tanggungan + usia_produktif > 0 then tanggungan / greatest(usia_produktif, 1)
    end as rasio_ketergantungan,
    dewasa_smp / nullif(dewasa_berijazah_diketahui, 0) as porsi_dewasa_smp,
    dewasa_sma / nullif(dewasa_berijazah_diketahui, 0) as porsi_dewasa_sma,
    dewasa_perguruan_tinggi / nullif(dewasa_berijazah_diketahui, 0) as porsi_dewasa_perguruan_tinggi,
    {%- for group in pekerjaan_groups() %}
        usia_kerja_{{ group }} / nullif(usia_kerja_diketahui, 0) as porsi_usia_kerja_{{ group }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from counts
