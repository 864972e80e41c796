"""What a check needs to know: the settings of the run and the request under examination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from ..catalogue.snapshot import Catalogue
from ..documents.kinds import Unit
from ..model.duration import DurationError, RequestDuration, request_duration
from ..model.normalize import ConfigurationReview, normalized_request, review_configuration

if TYPE_CHECKING:
    from ..visibility.observability import RequestVisibility

JSON = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Everything that changes a verdict, fixed for one run."""

    catalogue: Catalogue
    #: The ``--now`` given by the user; None means "the current time" for submissions
    #: and "time-relative rules off" for archive records.
    now: datetime | None = None
    duration_tolerance: float = 0.0
    kind: str | None = None
    #: Visibility checks run for submissions; for archive records only with an explicit --now.
    visibility: bool = True
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def effective_now(self) -> datetime:
        return self.now or self.started


@dataclass
class RequestContext:
    """One request as written, where it sits, and what is derived from it (computed once)."""

    request: JSON
    pointer: str
    unit: Unit
    settings: Settings
    #: Derived data several rules need, computed by the first that asks (``remembered``).
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def catalogue(self) -> Catalogue:
        return self.settings.catalogue

    @property
    def time_rules_apply(self) -> bool:
        """Archive records describe the past: time-relative rules need an explicit --now."""
        return self.settings.now is not None or not self.unit.is_record

    def remembered(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, called once per request: several rules read what it gives."""
        if name not in self.shared:
            self.shared[name] = compute()
        return self.shared[name]  # type: ignore[no-any-return]

    @cached_property
    def reviews(self) -> dict[int, ConfigurationReview]:
        """The review of each configuration object, by its index in ``configurations``."""
        configurations = self.request.get("configurations")
        if not isinstance(configurations, list):
            return {}
        return {
            index: review_configuration(configuration, self.catalogue)
            for index, configuration in enumerate(configurations)
            if isinstance(configuration, dict)
        }

    @cached_property
    def normalized(self) -> JSON:
        """The request with the portal's defaults; shares objects with caches: never change it."""
        return normalized_request(
            self.request,
            self.catalogue,
            submission=not self.unit.is_record,
            reviews=self.reviews,
            read_only=True,
        )

    @cached_property
    def duration(self) -> RequestDuration | DurationError:
        try:
            return request_duration(self.normalized, self.catalogue)
        except DurationError as error:
            return error

    @cached_property
    def visibility(self) -> RequestVisibility:
        """Where and when the target is observable (imports astropy: only when asked for)."""
        from ..visibility.observability import request_visibility

        return request_visibility(self.normalized, self.catalogue, self.settings.effective_now)


@dataclass
class GroupContext:
    """One request group as written, with a context for each of its requests."""

    group: JSON
    pointer: str
    unit: Unit
    settings: Settings
    requests: list[RequestContext]

    @property
    def time_rules_apply(self) -> bool:
        return self.settings.now is not None or not self.unit.is_record
