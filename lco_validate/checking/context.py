"""What a check needs to know: the request under examination and its run's settings.

``Settings`` lives in ``policy``, with every setting's default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..catalogue.snapshot import Catalogue
from ..documents.kinds import Unit
from ..model.duration import DurationError, RequestDuration, request_duration
from ..model.normalize import ConfigurationReview, normalized_request, review_configuration
from .policy import Settings

if TYPE_CHECKING:
    from ..visibility.observability import RequestVisibility

JSON = dict[str, Any]
T = TypeVar("T")
_ABSENT: Any = object()


class _Derived(Generic[T]):
    """A property computed on first access and then kept on the instance.

    Derived data is kept per instance, not with functools.cached_property, whose lock
    on Python 3.11 is shared by every instance: one slow request's visibility would
    hold up every other request a server is checking.  Kept in the instance's
    ``__dict__``, the value is then found there first, at the cost of a plain attribute.
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _Derived[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object, owner: type | None = None) -> T | _Derived[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


@dataclass
class RequestContext:
    """One request as written, where it sits, and what is derived from it (computed once)."""

    request: JSON
    pointer: str
    unit: Unit
    settings: Settings
    #: Derived data several rules need, computed by the first that asks (``once``).
    shared: dict[object, Any] = field(default_factory=dict)

    @_Derived
    def catalogue(self) -> Catalogue:
        return self.settings.catalogue

    @_Derived
    def time_rules_apply(self) -> bool:
        """Archive records describe the past: time-relative rules need an explicit --now."""
        return self.settings.now is not None or not self.unit.is_record

    def once(self, compute: Callable[[RequestContext], T]) -> T:
        """``compute(self)``, called once per request: several rules read what it gives.

        The function is its own key, so that asking again builds no closure.
        """
        value = self.shared.get(compute, _ABSENT)
        if value is _ABSENT:
            value = self.shared[compute] = compute(self)
        return value  # type: ignore[no-any-return]

    @_Derived
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

    @_Derived
    def normalized(self) -> JSON:
        """The request with the portal's defaults; shares objects with caches: never change it."""
        return normalized_request(
            self.request,
            self.catalogue,
            submission=not self.unit.is_record,
            reviews=self.reviews,
            read_only=True,
        )

    @_Derived
    def duration(self) -> RequestDuration | DurationError:
        try:
            return request_duration(self.normalized, self.catalogue)
        except DurationError as error:
            return error

    @_Derived
    def visibility(self) -> RequestVisibility:
        """Where and when the target is observable (imports astropy: only when asked for)."""
        from ..visibility.observability import request_visibility

        return request_visibility(self.normalized, self.catalogue, self.settings.effective_now)

    @classmethod
    def of_one_configuration(
        cls, whole: RequestContext, index: int, normalized: JSON
    ) -> RequestContext:
        """A request holding only the configuration at ``index`` of ``whole``, already reviewed.

        Configuration rules judge each configuration on its own (``rules/_configurations``).
        """
        written = whole.request["configurations"][index]
        alone = cls({"configurations": [written]}, "", whole.unit, whole.settings)
        alone.reviews = {0: whole.reviews[index]}
        alone.normalized = {"configurations": [normalized]}
        return alone


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
