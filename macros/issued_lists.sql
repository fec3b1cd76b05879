{#- The issued verification lists (docs/verification-list.md): schema daftar of the working
    database, written only by `dtsen export verifikasi` (dtsen/verification_list.py) and
    kept across builds. A build never writes it; this on-run-start hook only creates the
    tables when they are missing, so that every build (and the first, before any export)
    reads them as sources: source('daftar', ...) in models/staging/daftar/.
    Never published: dtsen publish copies the schema marts only.

    Types are written so that both engines read them (DuckDB takes `string` for varchar).
    DuckDB runs the statements as one hook; dbt-spark executes one statement per call, so
    on Spark each is run on its own and the hook itself is empty. -#}

{% macro issued_list_table_ddl() -%}
    {%- set tables = {
        'daftar_verifikasi': 'id_daftar string, id_ekspor string, tanggal_terbit date, family_key string,
            kode_kabupaten_kota string, kode_desa string, alamat string, rt string, rw string,
            no_kk string, nik_kepala_keluarga string, nama_kepala_keluarga string,
            alasan_daftar string, semua_alasan string, prioritas integer, build_id string',
        'daftar_verifikasi_anggota': 'id_daftar string, urutan integer, nik string, nama string, jenis_kelamin string,
            tanggal_lahir date, hubungan string',
        'ekspor_verifikasi': 'id_ekspor string, diekspor_pada timestamp, operator string,
            kode_kabupaten_kota string, kode_desa string, jumlah_keluarga integer,
            jumlah_anggota integer, berkas string, sha256 string, build_id string',
    } -%}
    {%- set statements = ['create schema if not exists daftar'] -%}
    {%- for name, columns in tables.items() -%}
        {%- do statements.append('create table if not exists daftar.' ~ name ~ ' (' ~ columns ~ ')'
            ~ (' using parquet' if target.type == 'spark' else '')) -%}
    {%- endfor -%}
    {{ return(statements) }}
{%- endmacro %}

{% macro create_issued_list_tables() -%}
    {{ return(adapter.dispatch('create_issued_list_tables', 'dtsen')()) }}
{%- endmacro %}

{% macro default__create_issued_list_tables() -%}
    {{ issued_list_table_ddl() | join(';\n') }}
{%- endmacro %}

{% macro spark__create_issued_list_tables() -%}
    {%- if execute -%}
        {%- for statement in issued_list_table_ddl() -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
