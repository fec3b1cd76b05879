"""The landing-zone contract (docs/contract.md) in machine-readable form.

The delivery intake checks headers against it; the tests check the generator and the
staging models against it. Column order is the contract's order. The four agencies'
full extracts are contract version 1; the field-verification results (`verifikasi`)
came with version 2, whose deliveries accumulate and which a landing zone may lack.
"""

from dataclasses import dataclass

CONTRACT_VERSION = 1  # of the four full-extract sources


@dataclass(frozen=True)
class Dialect:
    format: str  # "csv" or "parquet"
    delimiter: str | None = None
    date_format: str | None = None  # strptime format of date columns in CSV files
    bom: bool = False


DIALECTS = {
    "dukcapil": Dialect("csv", "|", "%Y-%m-%d"),
    "dtks": Dialect("csv", ";", "%d/%m/%Y", bom=True),
    "p3ke": Dialect("csv", ",", "%Y-%m-%d"),
    "bps": Dialect("parquet"),
    "verifikasi": Dialect("csv", ",", "%Y-%m-%d"),
}

_DTKS_HOUSING = [
    "lantai",
    "dinding",
    "atap",
    "sumber_air_minum",
    "fasilitas_bab",
    "sumber_penerangan",
    "bahan_bakar_masak",
]

FILES: dict[str, dict[str, list[str]]] = {
    "dukcapil": {
        "penduduk.csv": [
            "nik",
            "no_kk",
            "nama_lengkap",
            "jenis_kelamin",
            "tempat_lahir",
            "tanggal_lahir",
            "agama",
            "status_kawin",
            "shdk",
            "pendidikan",
            "pekerjaan",
            "kode_desa",
            "alamat",
            "rt",
            "rw",
            "tanggal_meninggal",
            "tanggal_update",
        ],
    },
    "dtks": {
        "rumah_tangga.csv": [
            "id_rt",
            "kode_desa",
            "alamat",
            "jumlah_art",
            *_DTKS_HOUSING,
            "punya_kulkas",
            "punya_ac",
            "punya_sepeda_motor",
            "punya_mobil",
            "punya_lahan",
            "punya_ternak",
            "penerima_pkh",
            "penerima_bpnt",
            "penerima_pbi_jk",
            "tanggal_verivali",
        ],
        "anggota.csv": [
            "id_art",
            "id_rt",
            "nik",
            "no_kk",
            "nama",
            "jenis_kelamin",
            "tanggal_lahir",
            "hub_krt",
            "partisipasi_sekolah",
            "disabilitas",
            "hamil",
            "penerima_pip",
        ],
    },
    "p3ke": {
        "keluarga.csv": [
            "id_keluarga_p3ke",
            "no_kk",
            "nik_kepala_keluarga",
            "kode_desa",
            "desil_p3ke",
            "jumlah_anggota",
            "jenis_lantai",
            "jenis_dinding",
            "sumber_air_minum",
            "fasilitas_bab",
            "kepemilikan_rumah",
            "penghasilan_bulanan",
            "tanggal_pendataan",
        ],
        "individu.csv": [
            "id_individu",
            "id_keluarga_p3ke",
            "nik",
            "nama",
            "jk",
            "tgl_lahir",
            "hubungan",
            "pekerjaan",
            "pendidikan",
            "status_sekolah",
        ],
    },
    "bps": {
        "regsosek_keluarga.parquet": [
            "id_keluarga",
            "no_kk",
            "kode_desa",
            "jumlah_art",
            *_DTKS_HOUSING,
            "status_rumah",
            "luas_lantai_m2",
            "punya_kulkas",
            "punya_ac",
            "punya_sepeda_motor",
            "punya_mobil",
            "punya_komputer",
            "punya_emas_10g",
            "punya_lahan",
            "punya_rumah_lain",
            "punya_ternak",
            "tanggal_pencacahan",
        ],
        "regsosek_individu.parquet": [
            "id_keluarga",
            "no_urut",
            "nik",
            "nama",
            "jenis_kelamin",
            "tanggal_lahir",
            "hubungan_kk",
            "ijazah",
            "bekerja",
            "lapangan_usaha",
            "disabilitas",
            "sekolah",
        ],
        "susenas_konsumsi.parquet": [
            "id_keluarga",
            "pengeluaran_perkapita",
            "bobot",
            "tahun",
        ],
    },
    "verifikasi": {
        "hasil_verifikasi.csv": [
            "id_kunjungan",
            "jenis",
            "id_daftar",
            "no_kk",
            "nik_kepala_keluarga",
            "kode_desa",
            "alamat",
            "rt",
            "rw",
            "hasil",
            "alasan",
            *_DTKS_HOUSING,
            "jumlah_anggota",
            "tanggal_kunjungan",
            "petugas",
        ],
        "anggota_usulan.csv": [
            "id_kunjungan",
            "nik",
            "nama",
            "jenis_kelamin",
            "tanggal_lahir",
            "hubungan",
        ],
    },
}

# The contract_version a source's manifest carries.
CONTRACT_VERSIONS = dict.fromkeys(FILES, CONTRACT_VERSION) | {"verifikasi": 2}

# Sources whose deliveries accumulate (each holds only its period's records, so every
# usable delivery is current at once) instead of each being a full extract that supersedes
# the previous one.
ACCUMULATING_SOURCES = frozenset({"verifikasi"})

# Sources a landing zone may lack altogether: no delivery is not "no usable delivery".
OPTIONAL_SOURCES = frozenset({"verifikasi"})

# The full-extract sources, in contract order: the ones every landing zone holds.
EXTRACT_SOURCES = tuple(source for source in FILES if source not in ACCUMULATING_SOURCES)

MANIFEST_NAME = "_manifest.json"
