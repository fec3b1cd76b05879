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
        'punya_kulkas', 'punya_ac', 'punya_sepeda_motor', 'punya_mobil', 'punya_komputer',
        'punya_emas_10g', 'punya_lahan', 'punya_rumah_lain', 'punya_ternak']) }}
{%- endmacro %}

{#- The desil (1-10) of a household whose middle person has `persons_below` of `persons_total`
    persons poorer than them: each desil holds a tenth of the persons. -#}
{% macro desil_of(persons_below, persons_total) -%}
    least(10, 1 + cast(floor(10 * {{ persons_below }} / nullif({{ persons_total }}, 0)) as integer))
{%- endmacro %}
