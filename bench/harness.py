"""What every benchmark is given and what it gives back.

A figure is always read beside the raw component that bounds it (psycopg, ``COPY``, a Redis ``PUBLISH``),
measured in the same run on the same machine: shared machines are noisy, ratios much less so.
"""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BenchEnv:
    """The services a benchmark runs against, started on loopback by the runner."""

    root: Path  # the repository
    workdir: Path  # scratch space for this run, removed afterwards
    database_url: str  # PostgreSQL, migrated, reference data loaded
    redis_url: str


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the raw component's figure beside it where there is one."""

    benchmark: str  # filing, push, report, export, import, pages
    metric: str  # what was measured, e.g. "seizures/s, 32 clients"
    value: float
    unit: str
    baseline: float | None = None  # the raw component's figure, same unit, same run
    baseline_label: str = ""  # e.g. "psycopg INSERT, one transaction per seizure"
    target: str = ""  # e.g. ">= 0.30 of raw"; empty where none applies
    passed: bool | None = None  # None where no target applies

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline
