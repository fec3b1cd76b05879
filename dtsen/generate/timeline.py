"""Dates that tie the population and the four deliveries together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Timeline:
    as_of: date
    deaths_from: date  # the civil register keeps the dead of the last ten years
    fieldwork_start: date  # Regsosek enumeration, four years before as_of
    fieldwork_end: date
    dukcapil: date  # extract dates: the civil register is current, the others lag
    dtks: date
    p3ke: date
    bps: date

    @classmethod
    def for_as_of(cls, as_of: date) -> Timeline:
        year = as_of.year - 4
        return cls(
            as_of=as_of,
            deaths_from=date(as_of.year - 10, 1, 1),
            fieldwork_start=date(year, 10, 15),
            fieldwork_end=date(year, 11, 14),
            dukcapil=as_of - timedelta(days=1),
            dtks=as_of - timedelta(days=30),
            p3ke=as_of - timedelta(days=180),
            bps=as_of - timedelta(days=540),
        )

    def extract(self, source: str) -> date:
        return getattr(self, source)


def sql_date(value: date) -> str:
    return f"DATE '{value.isoformat()}'"
