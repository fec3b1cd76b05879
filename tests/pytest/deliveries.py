"""Hand-written deliveries for tests: a few explicit rows per file, written in each
agency's dialect with a correct manifest, so a test can state exactly what it feeds in."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dtsen.contract import CONTRACT_VERSIONS, DIALECTS, FILES, MANIFEST_NAME

_BPS_TYPES = {
    "jumlah_art": pa.int32(),
    "no_urut": pa.int32(),
    "tahun": pa.int32(),
    "luas_lantai_m2": pa.float64(),
    "pengeluaran_perkapita": pa.float64(),
    "bobot": pa.float64(),
    "tanggal_pencacahan": pa.date32(),
    "tanggal_lahir": pa.date32(),
}
_BPS_TEXT = {"id_keluarga", "no_kk", "kode_desa", "nik", "nama"}


def _bps_type(column: str) -> pa.DataType:
    if column in _BPS_TEXT:
        return pa.string()
    return _BPS_TYPES.get(column, pa.int32())


def csv_bytes(source: str, header: list[str], rows: list[list[str]]) -> bytes:
    dialect = DIALECTS[source]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if dialect.bom else "").encode() + buffer.getvalue().encode("utf-8")


def parquet_bytes(header: list[str], rows: list[dict]) -> bytes:
    schema = pa.schema([(name, _bps_type(name)) for name in header])
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def write_delivery(
    root: Path,
    source: str,
    extract_date: str,
    rows: dict[str, list],
    raw: dict[str, bytes] | None = None,
    manifest_rows: dict[str, int] | None = None,
    contract_version: int | None = None,
) -> Path:
    """Write one delivery. `rows[file]` is a list of dicts (column -> value); `raw[file]`
    replaces a file's bytes outright; `manifest_rows[file]` overrides its declared count;
    `contract_version` the manifest's (default: the source's). The manifest's sha256 is
    always that of the bytes written."""
    folder = root / source / extract_date
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "contract_version": contract_version or CONTRACT_VERSIONS[source],
        "source": source,
        "extract_date": extract_date,
        "files": {},
    }
    for file_name, header in FILES[source].items():
        file_rows = rows.get(file_name, [])
        if raw and file_name in raw:
            content = raw[file_name]
        elif DIALECTS[source].format == "csv":
            content = csv_bytes(source, header, [[_text(row.get(c)) for c in header] for row in file_rows])
        else:
            content = parquet_bytes(header, file_rows)
        (folder / file_name).write_bytes(content)
        count = (manifest_rows or {}).get(file_name, len(file_rows))
        manifest["files"][file_name] = {"rows": count, "sha256": hashlib.sha256(content).hexdigest()}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# One valid row per contract file: a woman in Jakarta and her husband, known to all four
# agencies. Tests copy and change what they need.
def sample_rows() -> dict[str, dict[str, list[dict]]]:
    return {
        "dukcapil": {
            "penduduk.csv": [
                dict(
                    nik="3171014501900001",
                    no_kk="3171010101150001",
                    nama_lengkap="SITI AMINAH",
                    jenis_kelamin="PEREMPUAN",
                    tempat_lahir="JAKARTA",
                    tanggal_lahir="1990-01-05",
                    agama="ISLAM",
                    status_kawin="KAWIN",
                    shdk="ISTRI",
                    pendidikan="SLTA/SEDERAJAT",
                    pekerjaan="MENGURUS RUMAH TANGGA",
                    kode_desa="3171011001",
                    alamat="JL. MAWAR 1",
                    rt="001",
                    rw="002",
                    tanggal_meninggal="",
                    tanggal_update="2026-10-01 10:00:00",
                ),
                dict(
                    nik="3171010702880003",
                    no_kk="3171010101150001",
                    nama_lengkap="BUDI SANTOSO",
                    jenis_kelamin="LAKI-LAKI",
                    tempat_lahir="JAKARTA",
                    tanggal_lahir="1988-02-07",
                    agama="ISLAM",
                    status_kawin="KAWIN",
                    shdk="KEPALA KELUARGA",
                    pendidikan="SLTA/SEDERAJAT",
                    pekerjaan="WIRASWASTA",
                    kode_desa="3171011001",
                    alamat="JL. MAWAR 1",
                    rt="001",
                    rw="002",
                    tanggal_meninggal="",
                    tanggal_update="2026-10-01 10:00:00",
                ),
            ]
        },
        "dtks": {
            "rumah_tangga.csv": [
                dict(
                    id_rt="RT1",
                    kode_desa="3171011001",
                    alamat="JL. MAWAR 1",
                    jumlah_art="2",
                    lantai="2",
                    dinding="1",
                    atap="2",
                    sumber_air_minum="2",
                    fasilitas_bab="1",
                    sumber_penerangan="2",
                    bahan_bakar_masak="3",
                    punya_kulkas="1",
                    punya_ac="0",
                    punya_sepeda_motor="1",
                    punya_mobil="0",
                    punya_lahan="0",
                    punya_ternak="0",
                    penerima_pkh="1",
                    penerima_bpnt="1",
                    penerima_pbi_jk="1",
                    tanggal_verivali="01/06/2026",
                )
            ],
            "anggota.csv": [
                dict(
                    id_art="A1",
                    id_rt="RT1",
                    nik="3171014501900001",
                    no_kk="3171010101150001",
                    nama="Hj. Siti Aminah",
                    jenis_kelamin="2",
                    tanggal_lahir="05/01/1990",
                    hub_krt="2",
                    partisipasi_sekolah="2",
                    disabilitas="0",
                    hamil="0",
                    penerima_pip="0",
                ),
                dict(
                    id_art="A2",
                    id_rt="RT1",
                    nik="3171010702880003",
                    no_kk="3171010101150001",
                    nama="Budi Santoso",
                    jenis_kelamin="1",
                    tanggal_lahir="07/02/1988",
                    hub_krt="1",
                    partisipasi_sekolah="2",
                    disabilitas="0",
                    hamil="0",
                    penerima_pip="0",
                ),
            ],
        },
        "p3ke": {
            "keluarga.csv": [
                dict(
                    id_keluarga_p3ke="K1",
                    no_kk="3171010101150001",
                    nik_kepala_keluarga="3171010702880003",
                    kode_desa="3171011001",
                    desil_p3ke="2",
                    jumlah_anggota="2",
                    jenis_lantai="2",
                    jenis_dinding="1",
                    sumber_air_minum="2",
                    fasilitas_bab="1",
                    kepemilikan_rumah="1",
                    penghasilan_bulanan="1500000",
                    tanggal_pendataan="2026-03-01",
                )
            ],
            "individu.csv": [
                dict(
                    id_individu="I1",
                    id_keluarga_p3ke="K1",
                    nik="3171010702880003",
                    nama="BUDI SANTOSO",
                    jk="L",
                    tgl_lahir="1988-02-07",
                    hubungan="KEPALA KELUARGA",
                    pekerjaan="WIRASWASTA",
                    pendidikan="SLTA/SEDERAJAT",
                    status_sekolah="TIDAK SEKOLAH",
                )
            ],
        },
        "bps": {
            "regsosek_keluarga.parquet": [
                dict(
                    id_keluarga="F1",
                    no_kk="3171010101150001",
                    kode_desa="3171011001",
                    jumlah_art=2,
                    lantai=2,
                    dinding=1,
                    atap=2,
                    sumber_air_minum=2,
                    fasilitas_bab=1,
                    sumber_penerangan=2,
                    bahan_bakar_masak=3,
                    status_rumah=1,
                    luas_lantai_m2=36.0,
                    punya_kulkas=1,
                    punya_ac=0,
                    punya_sepeda_motor=1,
                    punya_mobil=0,
                    punya_komputer=0,
                    punya_emas_10g=0,
                    punya_lahan=0,
                    punya_rumah_lain=0,
                    punya_ternak=0,
                    tanggal_pencacahan=dt.date(2022, 10, 15),
                )
            ],
            "regsosek_individu.parquet": [
                dict(
                    id_keluarga="F1",
                    no_urut=1,
                    nik="3171010702880003",
                    nama="BUDI SANTOSO",
                    jenis_kelamin=1,
                    tanggal_lahir=dt.date(1988, 2, 7),
                    hubungan_kk=1,
                    ijazah=3,
                    bekerja=1,
                    lapangan_usaha=5,
                    disabilitas=0,
                    sekolah=2,
                )
            ],
            "susenas_konsumsi.parquet": [
                dict(id_keluarga="F1", pengeluaran_perkapita=1_250_000.0, bobot=120.5, tahun=2024)
            ],
        },
    }


SAMPLE_DATES = {"dukcapil": "2026-10-31", "dtks": "2026-10-01", "p3ke": "2026-06-30", "bps": "2026-06-30"}


def visit(id_kunjungan: str, **changes) -> dict:
    """One valid field-verification visit (hasil_verifikasi.csv): a listed family found and
    confirmed, Siti and Budi's household in Jakarta. Keyword arguments change columns."""
    row = dict(
        id_kunjungan=id_kunjungan,
        jenis="VERIFIKASI",
        id_daftar="3171-20261101-000001",
        no_kk="3171010101150001",
        nik_kepala_keluarga="3171010702880003",
        kode_desa="3171011001",
        alamat="JL. MAWAR 1",
        rt="001",
        rw="002",
        hasil="LAYAK",
        alasan="",
        lantai="8",
        dinding="4",
        atap="4",
        sumber_air_minum="5",
        fasilitas_bab="3",
        sumber_penerangan="1",
        bahan_bakar_masak="8",
        jumlah_anggota="2",
        tanggal_kunjungan="2026-11-10",
        petugas="DINSOS-3171-007",
    )
    return {**row, **changes}


def proposed_member(id_kunjungan: str, **changes) -> dict:
    """One valid member of a proposed family (anggota_usulan.csv)."""
    row = dict(
        id_kunjungan=id_kunjungan,
        nik="3171016502010004",
        nama="DEWI LESTARI",
        jenis_kelamin="P",
        tanggal_lahir="2001-02-25",
        hubungan="KEPALA KELUARGA",
    )
    return {**row, **changes}


def verifikasi_rows(*visits: dict, members: list[dict] | None = None) -> dict[str, list[dict]]:
    """The files of one verifikasi delivery."""
    return {"hasil_verifikasi.csv": list(visits), "anggota_usulan.csv": members or []}


def write_sample_landing(root: Path) -> None:
    """A complete landing zone: one delivery of every source, from sample_rows()."""
    for source, rows in sample_rows().items():
        write_delivery(root, source, SAMPLE_DATES[source], rows)


def csv_file(
    source: str,
    file_name: str,
    rows: list[dict],
    header: list[str] | None = None,
    delimiter: str | None = None,
) -> bytes:
    """A CSV file of `rows` (dicts) in the source's dialect; `header` (default: the
    contract's columns, in order) may reorder, drop or add columns, `delimiter` replace the
    dialect's."""
    header = header if header is not None else FILES[source][file_name]
    if delimiter is None:
        return csv_bytes(source, header, [[_text(row.get(c)) for c in header] for row in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_text(row.get(c)) for c in header] for row in rows])
    return ("\ufeff" if DIALECTS[source].bom else "").encode() + buffer.getvalue().encode("utf-8")


def redeliver(
    root: Path, source: str, from_date: str, to_date: str, manifest_date: str | None = None
) -> Path:
    """The files of delivery `from_date` delivered again, byte for byte, as `to_date`, with a
    manifest naming `manifest_date` (default `to_date`: a correct manifest)."""
    source_folder, folder = root / source / from_date, root / source / to_date
    folder.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((source_folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    for file_name in manifest["files"]:
        (folder / file_name).write_bytes((source_folder / file_name).read_bytes())
    manifest["extract_date"] = manifest_date or to_date
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder
