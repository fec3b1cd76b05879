"""Benchmark of the full job: generate (or reuse) a population, dbt build, quality suites.

Run by the command line (`dtsen bench`, which loads this file from the project's benchmarks/
folder) or directly (`python benchmarks/bench.py ...`, same options). It lives beside its
results rather than in the package: it measures a checkout of the project, not a library.

    dtsen bench --persons 284000 [--persons 2840000 ...] [--seed S] [--work DIR]
                [--memory-limit 12GB] [--results benchmarks/results.csv] [--no-baselines]
    dtsen bench --table            # the latest run per size as a markdown table, no run

Per stage it prints wall time, rows per second, peak memory (RSS summed over the whole
process tree, sampled from /proc every 0.2 s) and sizes on disk, and appends one CSV row per
stage with the machine's facts and the versions.

Stages:

* generate   `dtsen generate` in a subprocess. The landing zone is kept in
             WORK/p<persons>-s<seed>/ with a stamp (persons, seed, generator and contract
             version); a later run with the same stamp reuses it and reports the timing
             recorded when it was generated (status `reused`).
* dbt build  ONE `dbt build` (starting dbt costs about 4 s, and the stages depend on each
             other). Its wall time is split into staging (seeds and models/staging),
             resolution (models/intermediate/identity/: records, links, Splink, clusters,
             identity, persons, attributes), households (the rest of
             models/intermediate), marts (models/marts), tests (data and unit tests) and
             dbt_overhead (start-up, parse, artefacts) by STAGE_OF_PATH (the one place
             that knows the models' folders) from target/run_results.json: at each
             moment the wall clock is shared equally between the nodes running then, so the
             stages add up to the build. A stage's peak RSS is the peak while any of its nodes ran.
* quality    `dtsen quality` when the package `dtsen.quality` exists, else skipped.
* floor      baseline: the least any pipeline pays, hand-written DuckDB SQL on the landing
             files (read the four person files, keep one record per NIK, join persons to
             Regsosek households, a per-capita asset proxy, ntile(10) over persons). Read
             from the landing files, not from the built database, because the pipeline's
             resolution starts from the delivered files too: staging is part of its cost.

Our resolution is Splink 5 (int_person_match_pairs), so a plain-Splink baseline would time
the resolution stage again; it is not run, and the CSV says so.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import fnmatch
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from bisect import bisect_right
from pathlib import Path

from dtsen.preflight import DISK_PER_LANDING_BYTE, dir_bytes
from dtsen.project import BENCHMARKS_DIR, PROJECT_DIR, dbt_command, dbt_env

DEFAULT_RESULTS = BENCHMARKS_DIR / "results.csv"
DEFAULT_WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "dtsen-bench"
# DuckDB's limit inside the build: a 28.4 M run spills to disk rather than dies, and the
# Python side of the build (Splink's Arrow result, the clustering) keeps 4 GB under 16 GB.
DEFAULT_MEMORY_LIMIT = "12GB"
BENCH_KEY = "be" * 32  # a published, throwaway key: synthetic data only; used when none is set

# A dbt node's stage by its original_file_path: the first pattern that matches (fnmatch, so
# `*` matches across folders too). The only place that knows how the models are foldered:
# moving models between folders means editing this table (tests/pytest/test_bench.py
# names one model of each stage). Data and unit tests are the stage `tests` wherever they are.
STAGE_OF_PATH = (
    ("seeds/*", "staging"),
    ("models/staging/*", "staging"),
    ("models/intermediate/identity/*", "resolution"),
    ("models/intermediate/*", "households"),
    ("models/marts/*", "marts"),
)
BUILD_STAGES = ("staging", "resolution", "households", "marts", "tests", "dbt_overhead")
STAGE_ORDER = (
    "generate",
    *BUILD_STAGES,
    "build",
    "quality",
    "total_no_generate",
    "total",
    "floor_dedup",
    "floor",
)

COLUMNS = [
    "run_id",
    "run_at",
    "git_commit",
    "persons",
    "seed",
    "stage",
    "status",
    "wall_s",
    "cpu_s",
    "rows",
    "row_kind",
    "rows_per_s",
    "peak_rss_mb",
    "db_mb",
    "landing_mb",
    "disk_peak_mb",
    "cores",
    "mem_gb",
    "cpu",
    "duckdb",
    "dbt_core",
    "dbt_duckdb",
    "splink",
    "python",
    "memory_limit",
    "load_1m",
    "notes",
]

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- memory and disk sampling


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process, from /proc/<pid>/stat."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                data = f.read()
        except OSError:  # gone meanwhile
            continue
        fields = data[data.rfind(b")") + 2 :].split()  # after "pid (comm) ": field 3 is fields[0]
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE)
    return table


def tree_rss(root: int, include_root: bool = False) -> int:
    """Resident bytes summed over every descendant of `root` (and root itself if asked).
    Pages shared between processes count once per process."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total = table.get(root, (0, 0))[1] if include_root else 0
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total += table.get(pid, (0, 0))[1]
        stack.extend(children.get(pid, []))
    return total


def disk_warning(free_bytes: int, landing_bytes: int) -> str | None:
    """A warning when the free disk looks too small for a build of this landing zone."""
    needed = DISK_PER_LANDING_BYTE * landing_bytes
    if free_bytes >= needed:
        return None
    return (
        f"{free_bytes / 2**30:.1f} GB free where the build writes, and a build of this landing zone "
        f"({landing_bytes / 2**30:.1f} GB) needs about {needed / 2**30:.1f} GB "
        f"({DISK_PER_LANDING_BYTE} x the landing zone): it may stop with 'No space left on device'"
    )


class Sampler:
    """Samples the RSS of this process's descendants every `interval` s (and the size of
    `watch` every `disk_every` samples) in a thread, while the `with` block runs."""

    def __init__(
        self,
        root: int | None = None,
        include_root: bool = False,
        interval: float = 0.2,
        watch: Path | None = None,
        disk_every: int = 5,
    ):
        self.root = root or os.getpid()
        self.include_root, self.interval, self.watch, self.disk_every = (
            include_root,
            interval,
            watch,
            disk_every,
        )
        self.samples: list[tuple[float, int]] = []  # (epoch s, bytes)
        self.disk_peak = 0
        self.cpu_s: float | None = None  # set by _run_sampled
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        n = 0
        while True:
            self.samples.append((time.time(), tree_rss(self.root, self.include_root)))
            if self.watch is not None and n % self.disk_every == 0:
                self.disk_peak = max(self.disk_peak, dir_bytes(self.watch))
            n += 1
            if self._stop.wait(self.interval):
                break

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.watch is not None:
            self.disk_peak = max(self.disk_peak, dir_bytes(self.watch))

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def peak_during(self, intervals: list[tuple[float, float]]) -> int:
        """Peak of the samples taken while any of `intervals` (epoch s) was open."""
        merged = _merge(intervals)
        starts = [a for a, _ in merged]
        peak = 0
        for t, rss in self.samples:
            i = bisect_right(starts, t) - 1
            if i >= 0 and t <= merged[i][1] + self.interval:  # a short node may fall between samples
                peak = max(peak, rss)
        return peak


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


# ---------------------------------------------------------------- dbt artefacts -> stages


def stage_of(resource_type: str, path: str) -> str:
    """The benchmark stage of a dbt node, from its type and original_file_path."""
    if resource_type in ("test", "unit_test"):
        return "tests"
    path = path.replace("\\", "/")
    return next((stage for pattern, stage in STAGE_OF_PATH if fnmatch.fnmatchcase(path, pattern)), "other")


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def split_build(run_results: dict, manifest: dict) -> dict[str, dict]:
    """Per stage: wall_s (the build's wall clock shared equally between the nodes running at
    each moment), node_s (sum of nodes' execution_time), nodes, intervals (epoch s), and the
    slowest nodes [(seconds, unique_id)]."""
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    spans = []  # (start, end, stage, unique_id, execution_time)
    for result in run_results["results"]:
        uid = result["unique_id"]
        node = nodes.get(uid, {})
        stage = stage_of(node.get("resource_type", uid.split(".")[0]), node.get("original_file_path", ""))
        times = [
            (_epoch(t["started_at"]), _epoch(t["completed_at"]))
            for t in result.get("timing", [])
            if t.get("started_at") and t.get("completed_at")
        ]
        if times:
            start, end = min(a for a, _ in times), max(b for _, b in times)
        else:
            start = end = 0.0
        spans.append((start, end, stage, uid, float(result.get("execution_time") or 0.0)))
    stages: dict[str, dict] = {}
    for start, end, stage, uid, seconds in spans:
        entry = stages.setdefault(
            stage, {"wall_s": 0.0, "node_s": 0.0, "nodes": 0, "intervals": [], "slowest": []}
        )
        entry["node_s"] += seconds
        entry["nodes"] += 1
        if end > start:
            entry["intervals"].append((start, end))
        entry["slowest"].append((seconds, uid))
    # sweep: between consecutive boundaries, the running nodes share the time equally
    events = sorted({t for s in spans if s[1] > s[0] for t in s[:2]})
    timed = [s for s in spans if s[1] > s[0]]
    for a, b in itertools.pairwise(events):
        running = [s[2] for s in timed if s[0] <= a and s[1] >= b]
        for stage in running:
            stages[stage]["wall_s"] += (b - a) / len(running)
    for entry in stages.values():
        entry["slowest"] = sorted(entry["slowest"], reverse=True)[:5]
    return stages


# ---------------------------------------------------------------- facts


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def machine_facts() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "mem_gb": round(mem_kb / MB, 1),
        "cpu": cpu,
        "duckdb": _version("duckdb"),
        "dbt_core": _version("dbt-core"),
        "dbt_duckdb": _version("dbt-duckdb"),
        "splink": _version("splink"),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    """Short commit of the project (+dirty), or DTSEN_BENCH_COMMIT (e.g. for a copy of the tree)."""
    if os.environ.get("DTSEN_BENCH_COMMIT"):
        return os.environ["DTSEN_BENCH_COMMIT"]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=PROJECT_DIR, capture_output=True, text=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    except OSError:
        return ""


def delivered_rows(landing: Path) -> int:
    """Rows of the newest delivery of each source, from the manifests."""
    from dtsen.contract import MANIFEST_NAME

    total = 0
    for source in sorted(p for p in Path(landing).iterdir() if p.is_dir()):
        manifests = sorted(source.glob(f"*/{MANIFEST_NAME}"))
        if manifests:
            total += sum(f["rows"] for f in json.loads(manifests[-1].read_text())["files"].values())
    return total


# ---------------------------------------------------------------- the floor baseline


def _newest(landing: Path, source: str, file: str) -> str:
    found = sorted(Path(landing).glob(f"{source}/*/{file}"))
    if not found:
        raise FileNotFoundError(f"{source}/*/{file} in {landing}")
    return str(found[-1].resolve()).replace("'", "''")


def floor_sql(landing: Path) -> dict[str, str]:
    """The minimal hand-written job: one record per NIK, households, per-capita proxy, desil."""

    def csv_(source: str, file: str, delim: str) -> str:
        return (
            f"read_csv('{_newest(landing, source, file)}', delim = '{delim}', header = true, "
            "quote = '\"', escape = '\"', all_varchar = true)"
        )

    rsk = f"read_parquet('{_newest(landing, 'bps', 'regsosek_keluarga.parquet')}')"
    rsi = f"read_parquet('{_newest(landing, 'bps', 'regsosek_individu.parquet')}')"
    return {
        "dedup": f"""
            create or replace table floor_persons as
            with records as (
                select nik, no_kk, 1 as priority from {csv_("dukcapil", "penduduk.csv", "|")}
                union all
                select nik, no_kk, 2 from {csv_("dtks", "anggota.csv", ";")}
                union all
                select i.nik, k.no_kk, 3 from {csv_("p3ke", "individu.csv", ",")} as i
                join {csv_("p3ke", "keluarga.csv", ",")} as k using (id_keluarga_p3ke)
                union all
                select i.nik, k.no_kk, 4 from {rsi} as i join {rsk} as k using (id_keluarga)
            )
            select nik, no_kk from records
            where nik is not null
            qualify row_number() over (partition by nik order by priority, no_kk) = 1""",
        "rank": f"""
            create or replace table floor_ranked as
            with households as (
                select no_kk,
                       avg(punya_kulkas + punya_ac + punya_sepeda_motor + punya_mobil + punya_komputer
                           + punya_emas_10g + punya_lahan + punya_rumah_lain
                           + coalesce(luas_lantai_m2, 0) / 10.0) as assets
                from {rsk} group by no_kk
            ),
            sized as (
                select p.nik, p.no_kk, coalesce(h.assets, 0) / count(*) over (partition by p.no_kk) as proxy
                from floor_persons as p left join households as h using (no_kk)
            )
            select nik, no_kk, proxy, ntile(10) over (order by proxy, nik) as desil from sized""",
        "deciles": "select desil, count(*) from floor_ranked group by desil order by desil",
    }


def run_floor(landing: Path, db: Path, memory_limit: str, threads: int = 2) -> dict:
    """Run the floor in this process on a fresh database file `db`; seconds per step, rows."""
    import duckdb

    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute("set preserve_insertion_order = false")
    sql = floor_sql(landing)
    out = {}
    t = time.perf_counter()
    con.execute(sql["dedup"])
    out["dedup_s"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(sql["rank"])
    con.execute(sql["deciles"]).fetchall()
    out["rank_s"] = time.perf_counter() - t
    out["total_s"] = out["dedup_s"] + out["rank_s"]
    out["persons"] = con.execute("select count(*) from floor_persons").fetchall()[0][0]
    con.close()
    out["db_mb"] = (dir_bytes(db) + dir_bytes(Path(f"{db}.wal"))) / MB
    return out


# ---------------------------------------------------------------- one run


def _stamp(persons: int, seed: int) -> dict:
    from dtsen.contract import CONTRACT_VERSION
    from dtsen.generate import GENERATOR_VERSION

    return {
        "persons": persons,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "contract_version": CONTRACT_VERSION,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_sampled(
    command: list[str], log: Path, env: dict, watch: Path | None = None
) -> tuple[int, float, Sampler]:
    """Run a command (output to `log`), sampling its process tree; (exit code, wall s, sampler).
    sampler.cpu_s: user + system CPU seconds of the command's process tree (less load-dependent
    than wall time when other jobs share the cores)."""
    with open(log, "w") as out, Sampler(watch=watch) as sampler:
        started, cpu = time.perf_counter(), _children_cpu()
        code = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_DIR
        ).returncode
        wall = time.perf_counter() - started
    sampler.cpu_s = _children_cpu() - cpu
    return code, wall, sampler


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _count(db: Path, table: str) -> int | None:
    import duckdb

    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(f"select count(*) from {table}").fetchall()[0][0]
    except duckdb.Error:
        return None


def quality_command(db: Path, out: Path) -> list[str] | None:
    """The quality-suites stage: `dtsen quality --db DB`, or None while the command does not
    exist (checked by running `dtsen quality --help`). Adjust the options here once settled."""
    if importlib.util.find_spec("dtsen.quality") is None:
        return None
    probe = subprocess.run(
        [sys.executable, "-m", "dtsen.cli", "quality", "--help"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return None
    return [sys.executable, "-m", "dtsen.cli", "quality", "--db", str(db)]


def bench_one(
    persons: int,
    seed: int,
    work: Path,
    memory_limit: str,
    baselines: bool,
    next_month: bool = False,
    log=print,
) -> list[dict]:
    """Run the job once at `persons`; one result row per stage (without the common columns).
    next_month: then write next month's deliveries and time the incremental build on them."""
    home = work / f"p{persons}-s{seed}"
    landing, truth, build = home / "landing", home / "truth", home / "build"
    db = build / "warehouse.duckdb"
    python = sys.executable
    env = {**os.environ, "DTSEN_MEMORY_LIMIT": memory_limit, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DTSEN_PSEUDONYM_KEY", BENCH_KEY)
    rows: list[dict] = []

    # -- generate (or reuse)
    stamp_path, wanted = home / "stamp.json", _stamp(persons, seed)
    stamp = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    if stamp.get("key") == wanted and landing.exists():
        log(f"[generate] reusing {landing} (generated {stamp['generated_at']} in {stamp['wall_s']:.1f} s)")
        rows.append(
            {
                "stage": "generate",
                "status": "reused",
                "wall_s": stamp["wall_s"],
                "cpu_s": stamp.get("cpu_s"),
                "rows": stamp["rows"],
                "peak_rss_mb": stamp["peak_rss_mb"],
                "landing_mb": stamp["landing_mb"],
                "disk_peak_mb": stamp.get("disk_peak_mb"),
                "notes": f"reused; timed when generated {stamp['generated_at']} "
                f"(load {stamp.get('load_1m')})",
            }
        )
    else:
        for path in (landing, truth, stamp_path):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        log(f"[generate] {persons:,} persons, seed {seed} -> {landing}")
        load = os.getloadavg()[0]
        code, wall, sampler = _run_sampled(
            [
                python,
                "-m",
                "dtsen.cli",
                "generate",
                "--persons",
                str(persons),
                "--seed",
                str(seed),
                "--out",
                str(landing),
                "--truth",
                str(truth),
            ],
            home / "generate.log",
            {**env, "TMPDIR": str(home / "tmp")},
            watch=home,
        )
        if code != 0:
            raise RuntimeError(f"generate failed ({code}):\n{_tail(home / 'generate.log')}")
        entry = {
            "wall_s": wall,
            "cpu_s": sampler.cpu_s,
            "rows": delivered_rows(landing),
            "peak_rss_mb": sampler.peak / MB,
            "landing_mb": dir_bytes(landing) / MB,
            "disk_peak_mb": sampler.disk_peak / MB,
        }
        stamp_path.write_text(
            json.dumps({"key": wanted, "generated_at": _now(), "load_1m": round(load, 2), **entry}, indent=2)
            + "\n"
        )
        rows.append({"stage": "generate", "status": "ok", **entry})
    delivered = rows[0]["rows"]
    landing_mb = rows[0]["landing_mb"]

    # -- dbt build, once
    build.mkdir(parents=True, exist_ok=True)
    (build / "tmp").mkdir(exist_ok=True)
    warning = disk_warning(shutil.disk_usage(build).free, dir_bytes(landing))
    if warning:
        log(f"[disk] warning: {warning}")
    for path in (db, Path(f"{db}.wal"), build / "target" / "run_results.json"):
        path.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.tmp", ignore_errors=True)
    log(f"[dbt build] memory_limit {memory_limit} -> {db} (log {build / 'dbt.log'})")
    build_env = {**env, **dbt_env(landing, db), "TMPDIR": str(build / "tmp")}
    code, build_wall, sampler = _run_sampled(
        dbt_command("build", build), build / "dbt.log", build_env, watch=build
    )
    db_mb = (dir_bytes(db) + dir_bytes(Path(f"{db}.wal"))) / MB
    if code != 0:
        # Recorded, not only raised: a size at which the build fails is a result too.
        failed = failed_nodes(build / "target" / "run_results.json")
        log(f"[dbt build] failed ({code}): {failed}; see {build / 'dbt.log'}")
        rows.append(
            {
                "stage": "build",
                "status": "failed",
                "wall_s": build_wall,
                "cpu_s": sampler.cpu_s,
                "rows": delivered,
                "peak_rss_mb": sampler.peak / MB,
                "db_mb": db_mb,
                "disk_peak_mb": sampler.disk_peak / MB,
                "notes": f"dbt exit {code}; {failed}",
            }
        )
        return rows
    run_results = json.loads((build / "target" / "run_results.json").read_text())
    manifest = json.loads((build / "target" / "manifest.json").read_text())
    stages = split_build(run_results, manifest)
    records = _count(db, "intermediate.int_person_records")
    households = _count(db, "marts.fct_household")
    stage_rows = {
        "staging": (delivered, "delivered rows"),
        "resolution": (records, "person records"),
        "households": (households, "households"),
        "marts": (households, "households"),
        "tests": (delivered, "delivered rows"),
        "dbt_overhead": (delivered, "delivered rows"),
    }
    covered = sum(s["wall_s"] for s in stages.values())
    stages.setdefault("dbt_overhead", {"nodes": 0, "node_s": 0.0, "intervals": [], "slowest": []})
    stages["dbt_overhead"]["wall_s"] = max(build_wall - covered, 0.0)
    for name in BUILD_STAGES + tuple(s for s in stages if s not in BUILD_STAGES):
        if name not in stages:
            continue
        s = stages[name]
        n, kind = stage_rows.get(name, (None, ""))
        slow = ", ".join(f"{uid.split('.')[-1]} {sec:.1f}s" for sec, uid in s["slowest"][:3])
        notes = (
            f"{s['nodes']} nodes, {s['node_s']:.1f} node-s" + (f"; slowest: {slow}" if slow else "")
            if name != "dbt_overhead"
            else "dbt start-up, parse, artefacts: build wall minus node time"
        )
        rows.append(
            {
                "stage": name,
                "status": "ok",
                "wall_s": s["wall_s"],
                "rows": n,
                "row_kind": kind,
                "peak_rss_mb": (sampler.peak_during(s["intervals"]) / MB if s["intervals"] else None),
                "db_mb": db_mb,
                "notes": notes,
            }
        )
    rows.append(
        {
            "stage": "build",
            "status": "ok",
            "wall_s": build_wall,
            "cpu_s": sampler.cpu_s,
            "rows": delivered,
            "peak_rss_mb": sampler.peak / MB,
            "db_mb": db_mb,
            "disk_peak_mb": sampler.disk_peak / MB,
            "notes": f"one dbt build, {len(run_results['results'])} nodes; dbt elapsed "
            f"{run_results['elapsed_time']:.1f} s; {records} person records, {households} households",
        }
    )

    # -- quality suites
    qc = quality_command(db, home / "quality")
    if qc is None:
        log("[quality] skipped: not available (no `dtsen quality` command)")
        rows.append(
            {"stage": "quality", "status": "skipped", "notes": "skipped: not available (no `dtsen quality`)"}
        )
        quality_wall = 0.0
    else:
        (home / "quality").mkdir(exist_ok=True)
        log(f"[quality] {' '.join(qc[1:])}")
        code, quality_wall, qs = _run_sampled(qc, home / "quality.log", env)
        rows.append(
            {
                "stage": "quality",
                "status": "ok" if code == 0 else "failed",
                "wall_s": quality_wall,
                "cpu_s": qs.cpu_s,
                "rows": delivered,
                "peak_rss_mb": qs.peak / MB,
                "db_mb": db_mb,
                "notes": "" if code == 0 else f"exit {code}: {_tail(home / 'quality.log', 3)[-300:]}",
            }
        )
        if code != 0:
            log(f"[quality] failed ({code}); see {home / 'quality.log'}")

    gen = rows[0]
    cpu = [
        r.get("cpu_s") for r in rows if r["stage"] in ("build", "quality") and r.get("status") != "skipped"
    ]
    cpu_job = sum(cpu) if all(c is not None for c in cpu) else None
    peak_job = max(r.get("peak_rss_mb") or 0 for r in rows if r["stage"] in ("build", "quality"))
    rows.append(
        {
            "stage": "total_no_generate",
            "status": "ok",
            "wall_s": build_wall + quality_wall,
            "cpu_s": cpu_job,
            "rows": delivered,
            "peak_rss_mb": peak_job,
            "db_mb": db_mb,
            "landing_mb": landing_mb,
            "notes": "build + quality",
        }
    )
    rows.append(
        {
            "stage": "total",
            "status": gen["status"],
            "wall_s": gen["wall_s"] + build_wall + quality_wall,
            "rows": delivered,
            "cpu_s": (cpu_job + gen["cpu_s"])
            if cpu_job is not None and gen.get("cpu_s") is not None
            else None,
            "peak_rss_mb": max(peak_job, gen.get("peak_rss_mb") or 0),
            "db_mb": db_mb,
            "landing_mb": landing_mb,
            "notes": "generate + build + quality",
        }
    )

    # -- floor baseline
    if baselines:
        log("[floor] hand-written DuckDB SQL: NIK dedup, join households, per-capita proxy, ntile(10)")
        floor_db = home / "floor.duckdb"
        code, wall, fs = _run_sampled(
            [python, str(Path(__file__).resolve()), "floor", str(landing), str(floor_db), memory_limit],
            home / "floor.log",
            env,
        )
        if code != 0:
            raise RuntimeError(f"floor baseline failed ({code}):\n{_tail(home / 'floor.log')}")
        result = json.loads(_tail(home / "floor.log", 1))
        resolution_s = next(r["wall_s"] for r in rows if r["stage"] == "resolution")
        staging_s = next(r["wall_s"] for r in rows if r["stage"] == "staging")
        notes = (
            f"dedup {result['dedup_s']:.1f} s + rank {result['rank_s']:.1f} s in-process "
            f"({wall:.1f} s with interpreter); {result['persons']} NIKs; "
            f"ratios: resolution/dedup {resolution_s / result['dedup_s']:.1f}, "
            f"(staging+resolution)/dedup {(staging_s + resolution_s) / result['dedup_s']:.1f}, "
            f"build/floor {build_wall / result['total_s']:.1f}; "
            "plain-Splink baseline not run: the pipeline's resolution is Splink 5 (int_person_match_pairs)"
        )
        rows.append(
            {
                "stage": "floor_dedup",
                "status": "ok",
                "wall_s": result["dedup_s"],
                "rows": records,
                "row_kind": "person records",
                "peak_rss_mb": fs.peak / MB,
                "notes": "read the four person files, one record per NIK (row_number)",
            }
        )
        rows.append(
            {
                "stage": "floor",
                "status": "ok",
                "wall_s": result["total_s"],
                "cpu_s": fs.cpu_s,
                "rows": records,
                "row_kind": "person records",
                "peak_rss_mb": fs.peak / MB,
                "db_mb": result["db_mb"],
                "landing_mb": landing_mb,
                "notes": notes,
                "_floor": result,
            }
        )
        floor_db.unlink(missing_ok=True)
    if next_month:
        rows.extend(_bench_next_month(home, landing, db, build, build_wall, build_env, seed, log))

    kinds = {
        "generate": "delivered rows",
        "build": "delivered rows",
        "quality": "delivered rows",
        "total": "delivered rows",
        "total_no_generate": "delivered rows",
        "next_month_build": "delivered rows",
    }
    for row in rows:
        row.setdefault("row_kind", kinds.get(row["stage"], ""))
        if row.get("rows") and row.get("wall_s"):
            row["rows_per_s"] = row["rows"] / row["wall_s"]
    return rows


def next_month_landing(landing: Path, month_two: Path) -> None:
    """A landing zone holding the reused zone's deliveries as hard links (a copy where the
    file system takes none): next month's deliveries are written there as new folders, and
    the reused zone stays as generated. Not symbolic links: the intake refuses a delivery
    folder that links outside its landing root, as it must for a real one."""
    shutil.rmtree(month_two, ignore_errors=True)
    for file in sorted(p for p in landing.rglob("*") if p.is_file()):
        target = month_two / file.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(file, target)
        except OSError:
            shutil.copy2(file, target)


def _bench_next_month(
    home: Path, landing: Path, db: Path, build: Path, month_one_wall: float, build_env: dict, seed: int, log
) -> list[dict]:
    """Next month's Dukcapil and DTKS deliveries (about 2 % of records changed) in a landing
    zone beside the reused one (next_month_landing), then `dbt build` on the month's
    database: the incremental monthly run."""
    from dtsen.generate.month import next_month

    month_two = home / "landing-next-month"
    next_month_landing(landing, month_two)
    started = time.perf_counter()
    changes = next_month(month_two, seed)
    written = time.perf_counter() - started
    changed = sum(n for result in changes.values() for n in result["changes"].values())
    dates = ", ".join(f"{source} {result['extract_date']}" for source, result in changes.items())
    log(f"[next month] wrote {dates} in {written:.1f} s; incremental dbt build on {db}")
    env = {**build_env, "DTSEN_LANDING": str(month_two.resolve())}
    code, wall, sampler = _run_sampled(
        dbt_command("build", build, "-next-month"), build / "dbt-next-month.log", env, watch=build
    )
    shutil.rmtree(month_two, ignore_errors=True)
    if code != 0:
        raise RuntimeError(f"incremental dbt build failed ({code}):\n{_tail(build / 'dbt-next-month.log')}")
    delivered = delivered_rows(landing)
    summary = "; ".join(
        f"{source}: " + ", ".join(f"{kind} {n:,}" for kind, n in result["changes"].items())
        for source, result in changes.items()
    )
    return [
        {
            "stage": "next_month_generate",
            "status": "ok",
            "wall_s": written,
            "rows": changed,
            "row_kind": "records changed",
            "notes": summary,
        },
        {
            "stage": "next_month_build",
            "status": "ok",
            "wall_s": wall,
            "cpu_s": sampler.cpu_s,
            "rows": delivered,
            "peak_rss_mb": sampler.peak / MB,
            "db_mb": (dir_bytes(db) + dir_bytes(Path(f"{db}.wal"))) / MB,
            "notes": f"incremental dbt build of the next month on this build's database; "
            f"month 2 / month 1 build wall {wall / month_one_wall:.2f}",
        },
    ]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- results file


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def append_results(path: Path, rows: list[dict]) -> None:
    """Append rows (dicts keyed by COLUMNS; others ignored) to the CSV, with a header if new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        if header != COLUMNS:  # columns added since: rewrite the file once with the new header
            old = read_results(path)
            with open(path, "w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
                writer.writeheader()
                writer.writerows({c: row.get(c) or "" for c in COLUMNS} for row in old)
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow({c: _fmt(row.get(c)) for c in COLUMNS})


def failed_nodes(run_results: Path) -> str:
    """The nodes a failed dbt build stopped on, each with what went wrong: the first line of
    its message after dbt's own "<kind> Error in <node>" line."""
    if not run_results.exists():
        return "dbt wrote no run_results.json"

    def what(message: str) -> str:
        lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
        told = [line for line in lines if not re.match(r"\w+ Error in ", line)]
        return (told or lines or [""])[0][:200]

    failed = [
        f"{r['unique_id'].split('.')[-1]}: {what(r.get('message') or '')}"
        for r in json.loads(run_results.read_text())["results"]
        if r["status"] in ("error", "fail")
    ]
    return "; ".join(failed) or "no failed node in run_results.json"


def read_results(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def latest_runs(results: list[dict]) -> dict[int, list[dict]]:
    """persons -> the rows of the latest complete run (one with a `total` row) at that size."""
    runs: dict[str, list[dict]] = {}
    for row in results:
        runs.setdefault(row["run_id"], []).append(row)
    latest: dict[int, tuple[str, list[dict]]] = {}
    for run in runs.values():
        if not any(r["stage"] == "total" for r in run):
            continue
        persons, at = int(run[0]["persons"]), run[0]["run_at"]
        if persons not in latest or at > latest[persons][0]:
            latest[persons] = (at, run)
    return {p: run for p, (_, run) in sorted(latest.items())}


def exponents(
    runs: dict[int, list[dict]], stage: str, column: str = "wall_s"
) -> list[tuple[int, int, float]]:
    """log(t2/t1)/log(n2/n1) of `stage` (wall_s or cpu_s) between consecutive sizes."""
    points = []
    for persons, run in runs.items():
        wall = next((r[column] for r in run if r["stage"] == stage and r.get(column)), "")
        if wall:
            points.append((persons, float(wall)))
    return [
        (n1, n2, math.log(t2 / t1) / math.log(n2 / n1))
        for (n1, t1), (n2, t2) in itertools.pairwise(points)
        if t1 > 0 and t2 > 0 and n2 != n1
    ]


def _size(persons: int) -> str:
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if persons >= div:
            return f"{persons / div:.3g} {unit}"
    return str(persons)


def _secs(value: str) -> str:
    s = float(value)
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def markdown_table(results: list[dict]) -> str:
    """The latest run per size: stages down, sizes across; `wall (peak RSS)` per cell."""
    runs = latest_runs(results)
    if not runs:
        return "(no complete benchmark run yet)"
    sizes = list(runs)
    lines = [
        "| stage | " + " | ".join(f"{_size(p)} persons" for p in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    labels = {
        "generate": "generate (landing files)",
        "staging": "staging",
        "resolution": "resolution (int_person_*)",
        "households": "households (other int_*)",
        "marts": "marts",
        "tests": "dbt tests",
        "dbt_overhead": "dbt start-up and parse",
        "build": "**dbt build**",
        "quality": "quality suites",
        "total_no_generate": "**job without generation**",
        "total": "**job with generation**",
        "floor_dedup": "floor: read + NIK dedup",
        "floor": "floor: whole (dedup, join, deciles)",
    }
    for stage in STAGE_ORDER:
        cells = []
        for p in sizes:
            row = next((r for r in runs[p] if r["stage"] == stage), None)
            if row is None or not row["wall_s"]:
                cells.append(row["status"] if row else "")
                continue
            cell = _secs(row["wall_s"])
            if row["peak_rss_mb"]:
                cell += f" ({float(row['peak_rss_mb']) / 1024:.1f} GB)"
            if row["status"] == "reused":
                cell += " ¹"
            cells.append(cell)
        if any(cells):
            lines.append(f"| {labels[stage]} | " + " | ".join(cells) + " |")

    def fact(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(runs[p]) for p in sizes) + " |")

    def get(run, stage, col):
        return next((r[col] for r in run if r["stage"] == stage and r[col]), "")

    fact(
        "CPU time: build / whole job",
        lambda run: " / ".join(
            _secs(get(run, stage, "cpu_s")) if get(run, stage, "cpu_s") else "–"
            for stage in ("build", "total")
        ),
    )
    fact(
        "delivered rows",
        lambda run: f"{int(get(run, 'build', 'rows')):,}" if get(run, "build", "rows") else "",
    )
    fact(
        "person records",
        lambda run: f"{int(get(run, 'resolution', 'rows')):,}" if get(run, "resolution", "rows") else "",
    )
    fact(
        "landing / database",
        lambda run: (
            f"{float(get(run, 'total', 'landing_mb')) / 1024:.2f} / "
            f"{float(get(run, 'build', 'db_mb')) / 1024:.2f} GB"
        ),
    )
    fact(
        "peak disk during build",
        lambda run: (
            f"{float(get(run, 'build', 'disk_peak_mb')) / 1024:.2f} GB"
            if get(run, "build", "disk_peak_mb")
            else ""
        ),
    )

    def ratio(run) -> str:
        floor, build, res = (
            get(run, "floor", "wall_s"),
            get(run, "build", "wall_s"),
            get(run, "resolution", "wall_s"),
        )
        dedup = get(run, "floor_dedup", "wall_s")
        if not floor:
            return ""
        text = f"build ×{float(build) / float(floor):.0f}"
        if dedup and res:
            text += f", resolution ×{float(res) / float(dedup):.0f}"
        return text

    fact("pipeline ÷ floor", ratio)
    fact("load (1 min) at start", lambda run: run[0]["load_1m"])
    first = runs[sizes[-1]][0]
    out = "\n".join(lines)
    out += (
        f"\n\nWall time (peak RSS of the whole process tree). Machine: {first['cores']} cores, "
        f"{first['mem_gb']} GB, {first['cpu']}; DuckDB {first['duckdb']}, dbt-core {first['dbt_core']}, "
        f"dbt-duckdb {first['dbt_duckdb']}, Splink {first['splink']}; memory_limit {first['memory_limit']}; "
        f"commit {first['git_commit']}."
    )
    if any(r["status"] == "reused" for run in runs.values() for r in run if r["stage"] == "generate"):
        out += " ¹ landing reused: the time recorded when it was generated."
    exps = [
        (stage, exponents(runs, stage)) for stage in ("total", "total_no_generate", "build", "resolution")
    ]
    exps.append(("build CPU time", exponents(runs, "build", "cpu_s")))
    if any(e for _, e in exps):
        out += (
            "\n\nGrowth exponent k in t ∝ n^k between consecutive sizes (wall time unless said): "
            + "; ".join(
                f"{stage} " + ", ".join(f"{_size(a)}→{_size(b)} {k:.2f}" for a, b, k in e)
                for stage, e in exps
                if e
            )
            + "."
        )
    return out


# ---------------------------------------------------------------- command line


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--persons",
        type=int,
        action="append",
        default=[],
        help="population size; repeat for several sizes (smallest first) (default: none: --table)",
    )
    parser.add_argument("--seed", type=int, default=20261126, help="generator seed")
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"landing zones (reused per persons+seed+generator version) and builds; default {DEFAULT_WORK}",
    )
    parser.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help="DuckDB memory_limit for the build and the floor (DTSEN_MEMORY_LIMIT)",
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="CSV the rows are appended to")
    parser.add_argument(
        "--no-baselines", dest="baselines", action="store_false", help="skip the floor baseline"
    )
    parser.add_argument(
        "--next-month",
        action="store_true",
        help="then write next month's deliveries and time the incremental build on them",
    )
    parser.add_argument(
        "--table", action="store_true", help="print the latest runs from --results as markdown"
    )
    parser.add_argument(
        "--note", default="", help="added to every row's notes, e.g. 'quiet machine' (default: none)"
    )


def _print_run(persons: int, rows: list[dict]) -> None:
    print(f"\n{_size(persons)} persons")
    print(
        f"  {'stage':<18} {'status':<8} {'wall s':>9} {'cpu s':>8} {'rows':>12} {'rows/s':>11} "
        f"{'peak RSS':>9} {'db':>8}"
    )
    for r in rows:
        wall = f"{r['wall_s']:.1f}" if r.get("wall_s") is not None else ""
        n = f"{r['rows']:,}" if r.get("rows") else ""
        rate = f"{r['rows_per_s']:,.0f}" if r.get("rows_per_s") else ""
        peak = f"{r['peak_rss_mb'] / 1024:.2f} GB" if r.get("peak_rss_mb") else ""
        db = f"{r['db_mb'] / 1024:.2f} GB" if r.get("db_mb") else ""
        cpu = f"{r['cpu_s']:.1f}" if r.get("cpu_s") is not None else ""
        print(f"  {r['stage']:<18} {r['status']:<8} {wall:>9} {cpu:>8} {n:>12} {rate:>11} {peak:>9} {db:>8}")
    floor = next((r for r in rows if r["stage"] == "floor"), None)
    if floor:
        f = floor["_floor"]
        res = next(r["wall_s"] for r in rows if r["stage"] == "resolution")
        stg = next(r["wall_s"] for r in rows if r["stage"] == "staging")
        build = next(r["wall_s"] for r in rows if r["stage"] == "build")
        print(
            f"  floor: dedup {f['dedup_s']:.1f} s, rank {f['rank_s']:.1f} s. Ratios pipeline/floor: "
            f"resolution/dedup {res / f['dedup_s']:.1f}x, (staging+resolution)/dedup "
            f"{(stg + res) / f['dedup_s']:.1f}x, build/floor {build / f['total_s']:.1f}x"
        )
    print("  plain-Splink baseline: not run; the pipeline's resolution is Splink 5 (int_person_match_pairs)")
    for name in ("resolution", "households", "marts", "staging"):
        r = next((r for r in rows if r["stage"] == name), None)
        if r and "slowest" in r.get("notes", ""):
            print(f"  {name:<11} {r['notes']}")


def run(args: argparse.Namespace) -> int:
    if args.table or not args.persons:
        print(markdown_table(read_results(args.results)))
        return 0
    facts = machine_facts()
    commit = git_commit()
    args.work.mkdir(parents=True, exist_ok=True)
    failed = []
    for persons in sorted(set(args.persons)):
        run_at, load = _now(), os.getloadavg()
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"== bench {persons:,} persons (seed {args.seed}); {uptime}")
        rows = bench_one(persons, args.seed, args.work, args.memory_limit, args.baselines, args.next_month)
        end_load = os.getloadavg()
        common = {
            "run_id": f"{run_at}-{persons}",
            "run_at": run_at,
            "git_commit": commit,
            "persons": persons,
            "seed": args.seed,
            "memory_limit": args.memory_limit,
            "load_1m": round(load[0], 2),
            **facts,
        }
        suffix = f"load {load[0]:.2f}/{load[1]:.2f} at start, {end_load[0]:.2f}/{end_load[1]:.2f} at end"
        if args.note:
            suffix += f"; {args.note}"
        for row in rows:
            row.update(common)
            row["notes"] = "; ".join(x for x in (row.get("notes", ""), suffix) if x)
        append_results(args.results, rows)
        _print_run(persons, rows)
        failed += [
            f"{_size(persons)}: {r['notes']}"
            for r in rows
            if r["stage"] == "build" and r["status"] == "failed"
        ]
    runs = latest_runs(read_results(args.results))
    for stage, column in (
        ("total", "wall_s"),
        ("total_no_generate", "wall_s"),
        ("build", "wall_s"),
        ("resolution", "wall_s"),
        ("build", "cpu_s"),
    ):
        for a, b, k in exponents(runs, stage, column):
            print(f"exponent {stage:<18} {column:<7} {_size(a)} -> {_size(b)}: {k:.2f}")
    print(f"results appended to {args.results}")
    for failure in failed:
        print(f"dbt build FAILED at {failure}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """`dtsen bench ARGS` and `python benchmarks/bench.py ARGS`."""
    from dtsen.cli import HelpFormatter, examples

    parser = argparse.ArgumentParser(
        prog="dtsen bench",
        description=__doc__.splitlines()[0],
        formatter_class=HelpFormatter,
        epilog=examples(
            "dtsen bench --persons 284000",
            "dtsen bench --persons 28400 --persons 284000 --note 'quiet machine'",
            "dtsen bench --table                # the latest runs as a markdown table, no new run",
        ),
    )
    add_options(parser)
    return run(parser.parse_args(argv))


def _floor_main(argv: list[str]) -> None:
    """python benchmarks/bench.py floor LANDING DB MEMORY_LIMIT: one JSON line of timings."""
    landing, db, memory_limit = argv
    print(json.dumps(run_floor(Path(landing), Path(db), memory_limit)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor"]:
        _floor_main(sys.argv[2:])
    else:
        sys.exit(main())
