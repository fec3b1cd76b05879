{#- Columns every staging model starts with: where the row came from. -#}
{% macro lineage_columns(record_id) -%}
    _source as source,
    _extract_date as extract_date,
    _file_name as source_file,
    _row_number as source_row_number,
    cast({{ record_id }} as {{ dbt.type_string() }}) as source_record_id
{%- endmacro %}

{#- A delivered birth date that is no birth date: the 1900-01-01 placeholder (anything
    before var min_plausible_birth_date) or a date after the extract. -#}
{% macro is_placeholder_birth_date(birth_date, extract_date="extract_date") -%}
    ({{ birth_date }} < date '{{ var("min_plausible_birth_date") }}' or {{ birth_date }} > {{ extract_date }})
{%- endmacro %}

{#- Key of a staged person record across sources, '<source>/<file>/<source_record_id>':
    int_person_records.record_key. -#}
{% macro person_record_key(relation) -%}
    {{ relation }}.source || '/' || {{ relation }}.source_file || '/' || {{ relation }}.source_record_id
{%- endmacro %}

{#- A relation to the family head in the civil register's words (shdk; P3KE uses them
    too) on Regsosek's scale: 1 head, 2 spouse, 3 child, 4 child-in-law, 5 grandchild,
    6 parent/in-law, 7 other relative, 8 other. -#}
{% macro shdk_to_hubungan_kk(column) -%}
    case {{ column }}
        when 'KEPALA KELUARGA' then 1 when 'SUAMI' then 2 when 'ISTRI' then 2 when 'ANAK' then 3
        when 'MENANTU' then 4 when 'CUCU' then 5 when 'ORANG TUA' then 6 when 'MERTUA' then 6
        when 'FAMILI LAIN' then 7 when 'PEMBANTU' then 8 when 'LAINNYA' then 8
    end
{%- endmacro %}

{#- The highest diploma in the civil register's `pendidikan` words (P3KE uses them too) on
    Regsosek's ijazah scale: 0 none, 1 SD, 2 SMP, 3 SMA, 4 D1-D3, 5 D4/S1, 6 S2/S3. -#}
{% macro pendidikan_to_ijazah(column) -%}
    case {{ column }}
        when 'TIDAK/BELUM SEKOLAH' then 0 when 'BELUM TAMAT SD/SEDERAJAT' then 0
        when 'TAMAT SD/SEDERAJAT' then 1 when 'SLTP/SEDERAJAT' then 2 when 'SLTA/SEDERAJAT' then 3
        when 'DIPLOMA I/II' then 4 when 'AKADEMI/DIPLOMA III/S. MUDA' then 4
        when 'DIPLOMA IV/STRATA I' then 5 when 'STRATA II' then 6 when 'STRATA III' then 6
    end
{%- endmacro %}

{#- Whether a `pekerjaan` (occupation, civil register and P3KE words) is work. -#}
{% macro pekerjaan_is_work(column) -%}
    {{ column }} not in ('BELUM/TIDAK BEKERJA', 'PELAJAR/MAHASISWA', 'MENGURUS RUMAH TANGGA', 'PENSIUNAN')
{%- endmacro %}
