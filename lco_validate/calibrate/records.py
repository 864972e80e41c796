"""Records collected from archives, pooled per instrument type one record at a time.

``CalibrationData`` times each record (an ``ArchiveRecord``) with its type's
overhead model and adds it to the ``Pool`` of records sharing its ``PoolKey``,
which keeps their count, sums, extremes and a few example locations
(``RecordReference``): memory grows with the number of pools, not of records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..catalogue.snapshot import Catalogue
from .model import (
    CEIL_TOLERANCE,
    NO_RECORDED_DURATION,
    SEVERAL_TYPES,
    ModelCache,
    OverheadModel,
    record_terms,
)

#: Locations kept per pool; an outlier pool larger than this lists only these (with its size).
EXAMPLES_KEPT = 10


class ArchiveRecord(Protocol):
    """What calibrate needs of a record; ``archive.ArchiveRequest`` has it."""

    @property
    def path(self) -> str: ...
    @property
    def pointer(self) -> str: ...
    @property
    def document(self) -> int: ...
    @property
    def request(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RecordReference:
    path: str
    document: int
    pointer: str
    id: Any
    recorded: float
    fixed: float


@dataclass(slots=True)
class Pool:
    """Records with the same ``PoolKey``."""

    count: int = 0
    total: float = 0.0  # of u = recorded - fixed
    squares: float = 0.0
    lowest: float = math.inf
    highest: float = -math.inf
    examples: list[RecordReference] = field(default_factory=list)

    def add(self, excess: float, reference: RecordReference) -> None:
        self.count += 1
        self.total += excess
        self.squares += excess * excess
        self.lowest = min(self.lowest, excess)
        self.highest = max(self.highest, excess)
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(reference)


#: (features, recorded - ceil(fixed), tenths of ceil(fixed) - fixed, float sensitive).  The
#: tenths keep each pool within 0.1 s of recorded - fixed, so that a pool is all inside or
#: all outside the ceil's interval whenever the model's value is a multiple of 0.1 s.
PoolKey = tuple[tuple[float, ...], int, int, bool]


@dataclass
class TypeRecords:
    model: OverheadModel
    pools: dict[PoolKey, Pool] = field(default_factory=dict)
    records: int = 0
    simultaneous_changes: int = 0
    float_sensitive: int = 0


class CalibrationData:
    """Pooled records per instrument type, fed one record at a time."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.models = ModelCache(catalogue)
        self.by_type: dict[str, TypeRecords] = {}
        self.records = 0
        self.skipped: Counter[str] = Counter()
        self.several_types: Counter[str] = Counter()  # by each type involved

    def add(self, record: ArchiveRecord) -> None:
        self.records += 1
        request = record.request
        recorded = request.get("duration")
        if not isinstance(recorded, int | float) or isinstance(recorded, bool):
            self.skipped[NO_RECORDED_DURATION] += 1
            return
        terms = record_terms(request, self.catalogue, self.models)
        if isinstance(terms, str):
            self.skipped[terms] += 1
            if terms == SEVERAL_TYPES:
                for code in {
                    str(c.get("instrument_type", "")).upper()
                    for c in request["configurations"]
                    if isinstance(c, dict)
                }:
                    self.several_types[code] += 1
            return
        model = self.models.get(terms.instrument_type)
        assert model is not None
        pooled = self.by_type.setdefault(model.instrument_type, TypeRecords(model))
        pooled.records += 1
        pooled.simultaneous_changes += terms.simultaneous_changes
        pooled.float_sensitive += terms.float_sensitive
        ceiled = math.ceil(terms.fixed - CEIL_TOLERANCE)
        tenth = min(9, int((ceiled - terms.fixed) * 10 + CEIL_TOLERANCE))
        key = (terms.features, round(recorded) - ceiled, tenth, terms.float_sensitive)
        pool = pooled.pools.setdefault(key, Pool())
        reference = RecordReference(
            record.path, record.document, record.pointer, request.get("id"), recorded, terms.fixed
        )
        pool.add(recorded - terms.fixed, reference)

    def add_all(self, records: Iterable[ArchiveRecord]) -> None:
        for record in records:
            self.add(record)
