-- One row per living member and programme that pays per person (ref_program_rules.satuan
-- 'orang': PBI-JK pays a premium per person) in every family fct_eligibility judges for
-- it. A member is eligible when the family meets the programme's conditions apart from
-- the family-wide identity check (fct_eligibility.layak_selain_identitas) and the
-- member's own identity is verified: a member without a verified NIK does not cost the
-- others their cover. The family row stays consistent: a family fct_eligibility finds
-- eligible has every living member eligible here, one whose other conditions fail has none.
with per_person_programs as (
    select distinct program
    from {{ ref('int_program_rules_in_force') }}
    where satuan = 'orang'
)

select
    person_pseudonyms.pseudonym as person_id,
    eligibility.family_id,
    eligibility.program,
    eligibility.kode_provinsi,
    eligibility.kode_kabupaten_kota,
    eligibility.desil_nasional,
    members.umur,
    members.identitas_terverifikasi,
    eligibility.layak as layak_keluarga,
    eligibility.tanggal_data,
    eligibility.tanggal_keputusan,
    eligibility.layak_selain_identitas and members.identitas_terverifikasi as layak,
    case
        when not eligibility.layak_selain_identitas then eligibility.syarat_tidak_terpenuhi
        when not members.identitas_terverifikasi then 'NIK anggota ini belum valid atau belum terdaftar di Dukcapil'
    end as syarat_tidak_terpenuhi
from {{ ref('fct_eligibility') }} as eligibility
inner join per_person_programs on eligibility.program = per_person_programs.program
inner join {{ ref('int_family_pseudonyms') }} as family_pseudonyms
    on eligibility.family_id = family_pseudonyms.pseudonym
inner join {{ ref('int_eligibility_members') }} as members
    on family_pseudonyms.identifier = members.family_key
inner join {{ ref('int_person_pseudonyms') }} as person_pseudonyms
    on {{ person_pseudonym_identifier('members.person_id') }} = person_pseudonyms.identifier
