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

{#- Key of a staged person record across sources (int_person_records.record_key), a BIGINT:
    source_id * 2^59 + days of extract_date since 1970-01-01 * 2^43 + source_row_number.
    Unique because a delivery holds one file of persons per source and its rows are numbered;
    plain integer arithmetic, so DuckDB and Spark give the same key, and every key is at
    least 2^59, above every NIK (< 10^16): a person_id is a register NIK or a record key.
    The fields' limits (record_key_bits; tests/dbt/assert_person_record_key_within_its_bits.sql):
    source_id 1-15, extract_date from 1970-01-01 up to 2^16 days later (2149-06-05),
    source_row_number 0 to 2^43 - 1. -#}
{% macro person_record_key(relation) -%}
    (
        cast({{ person_source_id(relation ~ '.source') }} as bigint) * {{ record_key_bits()['source'] }}
        + cast({{ days_between(relation ~ '.extract_date', "date '1970-01-01'") }} as bigint)
        * {{ record_key_bits()['extract_date'] }}
        + cast({{ relation }}.source_row_number as bigint)
    )
{%- endmacro %}

{#- The multipliers of person_record_key's fields: 2^59 for the source, 2^43 for the days. -#}
{% macro record_key_bits() -%}
    {{ return({'source': 576460752303423488, 'extract_date': 8796093022208}) }}
{%- endmacro %}

{#- The number of a person source in person_record_key. -#}
{% macro person_source_id(source) -%}
    case {{ source }}
        when 'dukcapil' then 1 when 'dtks' then 2 when 'p3ke' then 3 when 'bps' then 4 when 'verifikasi' then 5
    end
{%- endmacro %}

{#- A delivered record named in text, '<source>/<file>/<source_record_id>': what the record
    pseudonyms of mart_duplicates are keyed on (int_duplicate_records.record_name). -#}
{% macro record_lineage_name(relation) -%}
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
