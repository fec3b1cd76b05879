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
    ] + household_assets()) }}
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
        'kepala_perempuan', 'kepala_umur', 'perkotaan', 'rata_rata_ijazah_dewasa']) }}
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
    {{ return(['ln_luas_lantai_per_kapita'] + pmt_register_numeric_variables()) }}
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
