"""Data quality: Great Expectations suites on the DuckDB warehouse, the results store and
the ministries' report (see runner.py)."""
