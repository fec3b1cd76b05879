-- fct_household is internally consistent: the age groups are disjoint parts of the
-- living members, a head exists exactly when a living member does, the region codes are
-- prefixes of the village code, an indicator and its source are NULL together, and only
-- DTKS households make a family a DTKS family or a recipient of PKH, BPNT or PBI-JK.
-- Returns the families that break a rule, with the rule.
{%- set indicators = household_indicators() %}
{%- set rules = {
    'counts not negative': "least(jumlah_anggota, jumlah_balita, jumlah_anak_sekolah, jumlah_lansia,
        jumlah_hamil, jumlah_disabilitas, jumlah_rumah_tangga_dtks) >= 0",
    'age groups within living members': "jumlah_balita + jumlah_anak_sekolah + jumlah_lansia <= jumlah_anggota",
    'pregnant within living members': "jumlah_hamil <= jumlah_anggota",
    'disabled within living members': "jumlah_disabilitas <= jumlah_anggota",
    'head exactly when a living member': "(kepala_jenis_kelamin is not null) = (jumlah_anggota > 0)",
    'head age plausible': "kepala_umur is null or kepala_umur between 0 and 130",
    'PIP needs a living member': "not penerima_pip or jumlah_anggota > 0",
    'region codes nest in the village code':
        "kode_desa is null and kode_kecamatan is null and kode_kabupaten_kota is null and kode_provinsi is null
        or " ~ regexp_full_match('kode_desa', '[0-9]{10}') ~ "
        and kode_kecamatan = substr(kode_desa, 1, 6)
        and kode_kabupaten_kota = substr(kode_desa, 1, 4)
        and kode_provinsi = substr(kode_desa, 1, 2)",
    'in DTKS exactly when it has DTKS households': "di_dtks = (jumlah_rumah_tangga_dtks > 0)",
    'recipients are DTKS families': "di_dtks or not (penerima_pkh or penerima_bpnt or penerima_pbi_jk)",
    'known somewhere': "di_dukcapil or di_dtks or di_p3ke or di_regsosek or di_usulan_verifikasi",
} %}
{%- for indicator in indicators %}
    {%- do rules.update({indicator ~ ' and its source NULL together':
        "(" ~ indicator ~ " is null) = (" ~ indicator ~ "_sumber is null)"}) %}
{%- endfor %}

{% for rule, condition in rules.items() %}
    select
        family_id,
        '{{ rule }}' as broken_rule
    from {{ ref('fct_household') }}
    where not coalesce({{ condition }}, false)
    {% if not loop.last %}union all{% endif %}
{% endfor %}
