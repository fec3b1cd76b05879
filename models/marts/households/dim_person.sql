-- One row per resolved person, for analysts: a keyed pseudonym instead of the NIK, the
-- family they belong to (pseudonym), sex, birth date, whether they are alive, and which
-- sources know them (di_<source>, the names fct_household gives them). Raw identifiers stay
-- in the staging and intermediate schemas.
select
    person_pseudonyms.pseudonym as person_id,
    nik_pseudonyms.pseudonym as nik_pseudonym,
    family_pseudonyms.pseudonym as family_id,
    members.family_from_register,
    persons.jenis_kelamin,
    persons.tanggal_lahir,
    persons.hubungan_kk,
    persons.tanggal_meninggal,
    persons.in_dukcapil as di_dukcapil,
    persons.in_dtks as di_dtks,
    persons.in_p3ke as di_p3ke,
    persons.in_bps as di_regsosek,
    persons.record_count,
    persons.tanggal_meninggal is null as is_living
from {{ ref('int_persons') }} as persons
left join {{ ref('int_family_members') }} as members on persons.person_id = members.person_id
inner join {{ ref('int_person_pseudonyms') }} as person_pseudonyms
    on {{ person_pseudonym_identifier('persons.person_id') }} = person_pseudonyms.identifier
left join {{ ref('int_nik_pseudonyms') }} as nik_pseudonyms
    on persons.resolved_nik = nik_pseudonyms.identifier
left join {{ ref('int_family_pseudonyms') }} as family_pseudonyms
    on members.family_key = family_pseudonyms.identifier
