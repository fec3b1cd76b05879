{#- The housing and asset indicators harmonised per family (int_household_indicators) and
    shown in fct_household, each with an <indicator>_sumber column naming its source. -#}
{% macro household_indicators() -%}
    {{ return([
        'lantai', 'dinding', 'atap', 'sumber_air_minum', 'fasilitas_bab', 'sumber_penerangan',
        'bahan_bakar_masak', 'status_rumah', 'luas_lantai_m2', 'punya_kulkas', 'punya_ac',
        'punya_sepeda_motor', 'punya_mobil', 'punya_komputer', 'punya_emas_10g', 'punya_lahan',
        'punya_rumah_lain', 'punya_ternak']) }}
{%- endmacro %}

{#- The asset indicators among household_indicators() (owns a refrigerator, a car, land...). -#}
{% macro household_assets() -%}
    {%- set assets = [] -%}
    {%- for indicator in household_indicators() if indicator.startswith('punya_') -%}
        {%- do assets.append(indicator) -%}
    {%- endfor -%}
    {{ return(assets) }}
{%- endmacro %}

{#- The housing indicators among household_indicators(): the dwelling and its tenure and floor
    area, what the surveys' housing block asks and a field officer sees (everything that is
    not an asset). -#}
{% macro household_housing() -%}
    {%- set housing = [] -%}
    {%- for indicator in household_indicators() if indicator not in household_assets() -%}
        {%- do housing.append(indicator) -%}
    {%- endfor -%}
    {{ return(housing) }}
{%- endmacro %}
