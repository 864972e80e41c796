"""Review keys leave out exposure values only where nothing but the durations reads them.

Each property compares a review (or a request's findings) served from a cache
filled by a configuration with other exposure values against one computed from
nothing, so a key that leaves out something that matters shows as a difference.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings
from lco_validate.model import normalize
from lco_validate.model.review_keys import exposure_limits, without_exposures

from .conftest import seed_page

_LCO = load_catalogue()
QHY600 = "0M4-SCICAM-QHY600"
SINISTRO = "1M0-SCICAM-SINISTRO"

EXPOSURE_VALUES = st.one_of(
    st.integers(-3, 80),
    st.floats(-10, 1e4, allow_nan=False),
    st.sampled_from([0, 50, 51, 50.0, 2.5, True, "30", None, 1e400, 2**60 + 1]),
)


def _uncached(configuration: dict[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """What the review's steps make of the configuration, with no cache in the way."""
    written = copy.deepcopy(configuration)
    checks: list[Any] = []
    normalize._normalize_configuration(written, _LCO, checks.append)
    return written, tuple(checks)


def _configuration(instrument_type: str, configuration_type: str, exposures: list[Any]) -> Any:
    instrument_configs = []
    for index, (time, count) in enumerate(zip(exposures[::2], exposures[1::2], strict=False)):
        instrument_configs.append(
            {
                "mode": "full_frame" if index % 2 else "",
                "exposure_time": time,
                "exposure_count": count,
                "optical_elements": {"filter": "rp"},
            }
        )
    return {
        "instrument_type": instrument_type,
        "type": configuration_type,
        "instrument_configs": instrument_configs,
        "guiding_config": {},
        "acquisition_config": {},
        "constraints": {},
    }


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([QHY600, SINISTRO]),
    st.sampled_from(["EXPOSE", "STANDARD", "SKY_FLAT", "REPEAT_EXPOSE"]),
    st.lists(EXPOSURE_VALUES, min_size=2, max_size=6),
    st.lists(EXPOSURE_VALUES, min_size=6, max_size=6),
)
def test_a_review_shared_across_exposure_values_is_the_uncached_review(
    instrument_type: str, configuration_type: str, first: list[Any], second: list[Any]
) -> None:
    before = _configuration(instrument_type, configuration_type, first)
    after = _configuration(instrument_type, configuration_type, second[: len(first)])
    normalize.review_configuration(before, _LCO)  # fills the cache, perhaps for both
    review = normalize.review_configuration(after, _LCO)
    normalized, checks = _uncached(after)
    assert review.normalized == normalized
    assert _verdicts(review.schema_checks) == _verdicts(checks)


def _verdicts(checks: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """What rules read of schema checks (the normalised documents only normalisation reads)."""
    return [
        (c.source, c.owner, c.location, c.outcome.problems, c.outcome.unusable, c.outcome.valid)
        for c in checks
    ]


def test_exposure_values_stay_in_the_key_where_a_schema_or_rule_reads_them() -> None:
    # QHY600's full_frame readout mode allows at most 50 exposures; REPEAT types weigh
    # the exposures against repeat_duration (R023, R024).
    assert exposure_limits(_LCO, QHY600, "EXPOSE")["exposure_count"] == ((None, 50),)
    assert exposure_limits(_LCO, SINISTRO, "REPEAT_EXPOSE") == {}
    limits = exposure_limits(_LCO, QHY600, "EXPOSE")
    within = _configuration(QHY600, "EXPOSE", [30.0, 50])
    beyond = _configuration(QHY600, "EXPOSE", [30.0, 51])
    _, left_out = without_exposures(within, limits)
    assert [name for _, name, _ in left_out] == ["exposure_time", "exposure_count"]
    _, beyond_left_out = without_exposures(beyond, limits)
    assert [name for _, name, _ in beyond_left_out] == ["exposure_time"]
    assert normalize.review_configuration(within, _LCO).key != (
        normalize.review_configuration(beyond, _LCO).key
    )


def _findings(request: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = check_document(request, Settings(catalogue=_LCO))
    return [(finding.code, finding.pointer, finding.message) for finding in found]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_request_finds_what_it_finds_with_cold_caches(data: st.DataObject) -> None:
    requests = seed_page()["results"]
    request = copy.deepcopy(data.draw(st.sampled_from(requests)))
    for configuration in request["configurations"]:
        for instrument_config in configuration["instrument_configs"]:
            instrument_config["exposure_time"] = data.draw(EXPOSURE_VALUES)
            instrument_config["exposure_count"] = data.draw(EXPOSURE_VALUES)
    settings_ = Settings(catalogue=_LCO)
    for other in requests:  # the same set-ups with the seed's exposures, cached first
        check_document(other, settings_)
    warm = [(f.code, f.pointer, f.message) for f in check_document(request, settings_)]
    normalize._review.cache_clear()
    assert warm == _findings(request)
