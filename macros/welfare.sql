{#- The proxy-means test's explanatory variables (int_household_pmt_features), in two
    kinds: categorical ones enter the regression as one indicator per code, numeric ones
    with one slope each. mart_pmt_coefficients fits a coefficient per variable and level;
    fct_household_desil scores every household with them. -#}
{% macro pmt_categorical_variables() -%}
    {{ return([
        'lantai', 'dinding', 'atap', 'sumber_air_minum', 'fasilitas_bab', 'sumber_penerangan',
        'bahan_bakar_masak', 'status_rumah', 'kepala_ijazah', 'kode_provinsi']) }}
{%- endmacro %}

{% macro pmt_numeric_variables() -%}
    {{ return([
        'ln_jumlah_anggota', 'porsi_balita', 'porsi_anak_sekolah', 'porsi_lansia',
        'kepala_perempuan', 'kepala_bekerja', 'perkotaan', 'ln_luas_lantai_per_kapita',
    ] + household_assets() + pmt_income_variables() + pmt_member_variables()) }}
{%- endmacro %}

{#- P3KE's reported income (int_family_reported_income) as the PMTs with observed housing
    use it: the log income per living member, the mean over all families where P3KE reported
    none, and beside it whether it reported one. The flag carries what the missing value
    says (P3KE lists only families it places in desil 1-4) and lets the fit tell a filled-in
    mean from a reported income. Not in the register-only PMT: the families it scores have
    no P3KE household by definition. -#}
{% macro pmt_income_variables() -%}
    {{ return(['ln_penghasilan_per_kapita', 'penghasilan_dilaporkan']) }}
{%- endmacro %}

{#- The members' dependency ratio and the register's education and occupation of the adults
    (int_family_member_features), in all three PMTs. -#}
{% macro pmt_member_variables() -%}
    {%- set variables = [
        'rasio_ketergantungan', 'porsi_dewasa_smp', 'porsi_dewasa_sma', 'porsi_dewasa_perguruan_tinggi'] -%}
    {%- for group in pekerjaan_groups() -%}
        {%- do variables.append('porsi_usia_kerja_' ~ group) -%}
    {%- endfor -%}
    {{ return(variables) }}
{%- endmacro %}

{#- Occupation groups of the civil register's (and P3KE's) `pekerjaan` words, for the shares
    of working-age members in each (int_family_member_features); not working (students,
    housekeeping, retired, none) is the reference. Agriculture and fishing, own or hired;
    other manual labour for hire (BURUH ...); wage jobs with a contract (civil service,
    army, police, KARYAWAN ...); any other work (own business, trade, a profession). -#}
{% macro pekerjaan_groups() -%}
    {{ return(['pertanian', 'buruh', 'formal', 'usaha_lain']) }}
{%- endmacro %}

{% macro pekerjaan_group(column) -%}
    case
        when {{ column }} is null then null
        when not ({{ pekerjaan_is_work(column) }}) then 'tidak_bekerja'
        when
            {{ column }} like 'PETANI%' or {{ column }} like 'PETERNAK%' or {{ column }} like 'NELAYAN%'
            or {{ column }} like 'BURUH TANI%' or {{ column }} like 'BURUH NELAYAN%'
            or {{ column }} like 'BURUH PETERNAKAN%'
            then 'pertanian'
        when {{ column }} like 'BURUH%' then 'buruh'
        when
            {{ column }} in ('PEGAWAI NEGERI SIPIL', 'TENTARA NASIONAL INDONESIA', 'KEPOLISIAN RI')
            or {{ column }} like 'KARYAWAN%'
            then 'formal'
        else 'usaha_lain'
    end
{%- endmacro %}

{#- The register-only PMT's variables (int_household_register_features): what the civil
    register and identity resolution know of a family without any DTKS, P3KE or Regsosek
    household (status_pendataan REGISTER_SAJA): size, composition, ages, region and the
    register's education and occupation. Fitted on the same survey as the full PMT, so both
    predict log consumption per person on one scale. -#}
{% macro pmt_register_categorical_variables() -%}
    {{ return(['kode_provinsi', 'kepala_ijazah', 'kepala_pekerjaan']) }}
{%- endmacro %}

{% macro pmt_register_numeric_variables() -%}
    {{ return([
        'ln_jumlah_anggota', 'porsi_balita', 'porsi_lansia', 'porsi_pelajar', 'porsi_bekerja',
        'kepala_perempuan', 'kepala_umur', 'perkotaan', 'rata_rata_ijazah_dewasa',
    ] + pmt_member_variables()) }}
{%- endmacro %}

{#- The housing PMT's variables (int_household_housing_features): the housing indicators as
    the full PMT has them (dwelling, tenure, floor area per person) and the register-only
    PMT's facts, for a family some source describes the housing of but none its assets (a
    field visit, a P3KE-only household): filling every asset with the survey's most common
    level ("no car, no refrigerator") would rank it as poorer than it is. -#}
{% macro pmt_housing_categorical_variables() -%}
    {{ return([
        'lantai', 'dinding', 'atap', 'sumber_air_minum', 'fasilitas_bab', 'sumber_penerangan',
        'bahan_bakar_masak', 'status_rumah'] + pmt_register_categorical_variables()) }}
{%- endmacro %}

{% macro pmt_housing_numeric_variables() -%}
    {{ return(['ln_luas_lantai_per_kapita'] + pmt_income_variables() + pmt_register_numeric_variables()) }}
{%- endmacro %}

{#- The three proxy-means tests (mart_pmt_coefficients.model): `lengkap` on housing and asset
    indicators, `perumahan` on housing indicators and the register's facts, `register_saja`
    on the register's facts alone; fct_household_desil scores a family with the one
    int_family_pendataan.model_pmt names. -#}
{% macro pmt_models() -%}
    {{ return({
        'lengkap': {
            'categorical': pmt_categorical_variables(), 'numeric': pmt_numeric_variables()},
        'perumahan': {
            'categorical': pmt_housing_categorical_variables(),
            'numeric': pmt_housing_numeric_variables()},
        'register_saja': {
            'categorical': pmt_register_categorical_variables(),
            'numeric': pmt_register_numeric_variables()},
    }) }}
{%- endmacro %}

{#- The desil (1-10) of a household whose middle person has `persons_below` of `persons_total`
    persons poorer than them: each desil holds a tenth of the persons. -#}
{% macro desil_of(persons_below, persons_total) -%}
    least(10, 1 + cast(floor(10 * ({{ persons_below }}) / nullif({{ persons_total }}, 0)) as integer))
{%- endmacro %}

{#- sum() of a DOUBLE adds in whatever order DuckDB's threads meet the rows, so its last
    bits vary between runs; summed as a wide DECIMAL it is exact, and a rebuild on the same
    deliveries gives the same marts to the bit. For values with at most 9 significant
    decimals (rupiah, weights, logs). `clause` follows the sum: a FILTER or an OVER clause.
    The result is a DOUBLE. -#}
{% macro exact_sum(expression, clause='') -%}
    cast(sum(cast({{ expression }} as decimal(38, 9))) {{ clause }} as double)
{%- endmacro %}

{#- The level and region code of a row of a `rollup(kode_provinsi, kode_kabupaten_kota)`
    aggregation: 'nasional' / 'nasional', 'provinsi' / the province, 'kabupaten_kota' / the
    regency; names come from int_region_names. -#}
{% macro rollup_region_level() -%}
    case
        when grouping(kode_provinsi) = 1 then 'nasional'
        when grouping(kode_kabupaten_kota) = 1 then 'provinsi'
        else 'kabupaten_kota'
    end
{%- endmacro %}

{% macro rollup_region_code() -%}
    case
        when grouping(kode_provinsi) = 1 then 'nasional'
        when grouping(kode_kabupaten_kota) = 1 then kode_provinsi
        else kode_kabupaten_kota
    end
{%- endmacro %}
