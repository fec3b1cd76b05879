-- The register-only proxy-means test's explanatory variables (macros/welfare.sql) for every
-- family fct_household shows: only what is known of a family that no DTKS, P3KE or
-- Regsosek household describes. Size, composition and ages come from identity resolution;
-- education and occupation from the civil register's own records
-- (int_person_register_attributes, and for all members int_family_member_features), never
-- from the other sources, so that a surveyed family (the fit's sample) and a register-only
-- family (the families it scores) are described alike. Categorical values are text
-- ('unknown' when missing, scoring as the reference level); a missing number takes the
-- mean over all families, as in int_household_pmt_features.

with families as (
    select identifier as family_key
    from {{ ref('int_family_pseudonyms') }}
),

raw_features as (
    select
        families.family_key,
        heads.umur as kepala_umur,
        member_features.rata_rata_ijazah_dewasa,
        cast(heads.jenis_kelamin = 2 as double) as kepala_perempuan,
        -- The 7th digit of a village code is 1 for an urban kelurahan.
        cast(substr(villages.kode_desa, 7, 1) = '1' as double) as perkotaan,
        coalesce(head_register.pekerjaan, 'unknown') as kepala_pekerjaan,
        coalesce(substr(villages.kode_desa, 1, 2), 'unknown') as kode_provinsi,
        coalesce(cast(head_register.ijazah as string), 'unknown') as kepala_ijazah,
        ln(greatest(coalesce(composition.jumlah_anggota, 0), 1)) as ln_jumlah_anggota,
        coalesce(composition.jumlah_balita, 0) / greatest(coalesce(composition.jumlah_anggota, 0), 1)
            as porsi_balita,
        coalesce(composition.jumlah_lansia, 0) / greatest(coalesce(composition.jumlah_anggota, 0), 1)
            as porsi_lansia,
        coalesce(member_features.porsi_pelajar, 0) as porsi_pelajar,
        {%- for variable in pmt_member_variables() %}
            member_features.{{ variable }},
        {%- endfor %}
        coalesce(member_features.porsi_bekerja, 0) as porsi_bekerja
    from families
    left join {{ ref('int_family_composition') }} as composition on families.family_key = composition.family_key
    left join {{ ref('int_family_heads') }} as heads on families.family_key = heads.family_key
    left join {{ ref('int_person_register_attributes') }} as head_register
        on heads.person_id = head_register.person_id
    left join {{ ref('int_family_villages') }} as villages on families.family_key = villages.family_key
    left join {{ ref('int_family_member_features') }} as member_features
        on families.family_key = member_features.family_key
)

select
    family_key,
    {%- for variable in pmt_register_categorical_variables() %}
        {{ variable }},
    {%- endfor %}
    {%- for variable in pmt_register_numeric_variables() %}
        coalesce({{ variable }}, {{ exact_sum(variable, 'over ()') }} / count({{ variable }}) over ()) as {{ variable }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from raw_features
