-- The delivery intake on Spark, which runs no Python model: `dtsen intake` runs the same
-- checks (dtsen.landing) before the build and writes its records as JSON lines to the file
-- named by var intake_file (env DTSEN_INTAKE, default intake.jsonl in the directory dbt
-- runs in); read_sql holds each file's Spark statements.
{{ config(enabled=target.type == 'spark') }}

select
    cast(source as string) as source,
    cast(extract_date as date) as extract_date,
    cast(delivery as string) as delivery,
    cast(file_name as string) as file_name,
    cast(file_path as string) as file_path,
    cast(manifest_rows as bigint) as manifest_rows,
    cast(manifest_sha256 as string) as manifest_sha256,
    cast(file_sha256 as string) as file_sha256,
    cast(file_rows as bigint) as file_rows,
    cast(columns as string) as columns,
    cast(read_sql as string) as read_sql,
    cast(file_bytes as bigint) as file_bytes,
    cast(file_mtime_ns as bigint) as file_mtime_ns,
    cast(file_problem as string) as file_problem,
    cast(delivery_problem as string) as delivery_problem,
    cast(status as string) as status
from json.`{{ var('intake_file', env_var('DTSEN_INTAKE', 'intake.jsonl')) }}`
