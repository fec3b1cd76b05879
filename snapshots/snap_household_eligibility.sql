{% snapshot snap_household_eligibility %}
    {#- History of every family's desil and programme eligibility across monthly runs.
        Versions are dated by the data date (the newest current extract), not the day of
        the run, so rebuilding on the same deliveries adds nothing. Not on Spark: dbt-spark
        snapshots need Delta, Iceberg or Hudi tables, which local pyspark lacks.
        Families are named by pseudonym: the hooks keep the key's fingerprint with the
        history and carry the history over when the key is rotated (macros/pseudonym_key.sql). -#}
    {{ config(
        schema='marts',
        unique_key=['family_id', 'program'],
        strategy='check',
        check_cols=['desil_nasional', 'desil_provinsi', 'layak', 'alasan', 'menerima', 'status_penargetan'],
        updated_at='tanggal_data',
        hard_deletes='invalidate',
        enabled=target.type != 'spark',
        pre_hook=['{{ create_pseudonym_key_table() }}',
                  "{{ carry_history_to_new_key(ref('int_family_pseudonyms'), ref('int_pseudonym_key')) }}"],
        post_hook=['delete from main.dtsen_pseudonym_key',
                   "{{ store_pseudonym_key_fingerprint(ref('int_pseudonym_key')) }}"],
    ) }}
    -- depends_on: {{ ref('int_pseudonym_key') }}
    -- depends_on: {{ ref('int_family_pseudonyms') }}

    select
        family_id,
        program,
        kode_kabupaten_kota,
        desil_nasional,
        desil_provinsi,
        layak,
        alasan,
        syarat_tidak_terpenuhi,
        menerima,
        status_penargetan,
        tanggal_data
    from {{ ref('fct_eligibility') }}
{% endsnapshot %}
