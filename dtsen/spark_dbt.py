"""dbt on local Spark, Python models included: `python -m dtsen.spark_dbt build --target spark ...`.

dbt-spark runs Python models only on Databricks (submission methods `job_cluster` and
`all_purpose_cluster`). With connection method `session`, dbt runs in the process that holds
the Spark session, so a Python model can run in that session too: this adds the submission
method `session`, makes it the default, and runs dbt's command line.
"""

from __future__ import annotations

import os
import sys

from dbt.adapters.base import PythonJobHelper
from dbt.adapters.spark.impl import SparkAdapter
from dbt.cli.main import cli
from pyspark.sql import SparkSession


class SessionPythonJobHelper(PythonJobHelper):
    """Runs a compiled Python model (its code, then dbt-spark's `py_write_table`, which calls
    `model(dbt, spark)` and saves the result as the model's table) in this process's session."""

    def __init__(self, parsed_model: dict, credentials) -> None:
        self.path = parsed_model["original_file_path"]

    def submit(self, compiled_code: str) -> None:
        spark = SparkSession.builder.getOrCreate()  # the session dbt-spark's connection opened
        exec(compile(compiled_code, self.path, "exec"), {"spark": spark, "__name__": "dbt_python_model"})


_databricks_helpers = SparkAdapter.python_submission_helpers.fget
SparkAdapter.python_submission_helpers = property(
    lambda adapter: {**_databricks_helpers(adapter), "session": SessionPythonJobHelper}
)
SparkAdapter.default_python_submission_method = property(lambda adapter: "session")

if __name__ == "__main__":
    # Spark's Python workers (clustering's per-component resolution, dtsen.resolution_spark)
    # run this Python, with its pyarrow and dtsen, unless PYSPARK_PYTHON names another
    # (on a cluster: the executors' copy of the same environment).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    cli()
