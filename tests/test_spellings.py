"""Filter aliases and the R016 messages and fixes they give (lco_validate.rules._spellings)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import Catalogue, load_catalogue
from lco_validate.model.notions import optical_element_names
from lco_validate.rules._spellings import element_matches

from .test_rules_configuration import SINISTRO, configuration, exposure, only, r016, request

QHY600 = "0M4-SCICAM-QHY600"
GHTS_IMAGER = "SOAR_GHTS_REDCAM_IMAGER"


@pytest.fixture(scope="module")
def lco() -> Catalogue:
    return load_catalogue()


def filters(catalogue: Catalogue, instrument_type: str) -> dict[str, str]:
    return optical_element_names(catalogue, instrument_type)["filters"]


@pytest.mark.parametrize(
    "written", ["r'", "R'", "r\u2032", "rprime", "SDSS-r", "sdss_r", "SDSS r", "sdss-rp", "SDSS-rp"]
)
def test_an_alias_names_the_one_sdss_filter(lco: Catalogue, written: str) -> None:
    for instrument_type in (SINISTRO, QHY600):
        matches = element_matches(written, filters(lco, instrument_type))
        assert [(m.code, m.name, m.certain) for m in matches] == [("rp", "SDSS-rp", True)]


def test_the_sdss_system_never_names_a_bessell_filter(lco: Catalogue) -> None:
    # Sinistro has both Bessell R and SDSS r': the system decides
    assert [m.code for m in element_matches("Bessell-R", filters(lco, SINISTRO))] == ["R"]
    assert [m.code for m in element_matches("SDSS-r", filters(lco, SINISTRO))] == ["rp"]
    assert element_matches("Bessell-R", filters(lco, QHY600)) == []  # it has no Bessell R


def test_a_name_up_to_case_and_separators_is_certain(lco: Catalogue) -> None:
    for written, code in [("H alpha", "H-Alpha"), ("halpha", "H-Alpha"), ("bessell_v", "V")]:
        (match,) = element_matches(written, filters(lco, QHY600))
        assert (match.code, match.certain) == (code, True)


def test_an_element_named_after_its_band_matches_through_its_name(lco: Catalogue) -> None:
    # GHTS codes its SDSS r filter "r-SDSS" (name "GHTS r-SDSS"); r' and rp both mean it
    for written in ("r'", "rp", "SDSS-r"):
        (match,) = element_matches(written, filters(lco, GHTS_IMAGER))
        assert (match.code, match.certain) == ("r-SDSS", True)


def test_a_bare_band_is_a_likely_guess_not_a_certainty(lco: Catalogue) -> None:
    (match,) = element_matches("g", filters(lco, SINISTRO))
    assert (match.code, match.certain) == ("gp", False)
    (match,) = element_matches("z", filters(lco, SINISTRO))  # zs, named PanSTARRS-Z
    assert (match.code, match.certain) == ("zs", False)


def test_several_matches_are_all_returned() -> None:
    elements = {"rp": "SDSS-rp", "r-SDSS": "Other r-SDSS", "R": "Bessell-R"}
    assert sorted(m.code for m in element_matches("r'", elements)) == ["r-SDSS", "rp"]


def test_a_certain_match_silences_the_guesses() -> None:
    elements = {"rp": "SDSS-rp", "r-wide": ""}
    assert [m.code for m in element_matches("rp", elements)] == ["rp"]


def test_nothing_matches_an_unrelated_text(lco: Catalogue) -> None:
    for written in ("clear", "", "sdss", "Bessell", "'", "UV"):
        assert element_matches(written, filters(lco, SINISTRO)) == [], written


@given(st.text(max_size=12))
def test_any_text_is_matched_without_error(text: str) -> None:
    elements = {"rp": "SDSS-rp", "R": "Bessell-R", "H-Alpha": "H Alpha", "zs": "PanSTARRS-Z"}
    for match in element_matches(text, elements):
        assert match.code in elements


def test_r016_asks_did_you_mean_for_an_alias(lco: Catalogue) -> None:
    written = exposure(optical_elements={"filter": "r'"})
    finding = only(r016, request(configuration(SINISTRO, "EXPOSE", written)), lco)
    assert finding.message == (
        'filter "r\'" is not available on 1M0-SCICAM-SINISTRO; did you mean "rp" (SDSS-rp)? '
        "Its filter codes: 150um-Pinhole, 400um-Pinhole, B, CN, I, R, U, V, Y, gp, ip, rp, up, "
        "w, zs"
    )


def test_r016_without_a_match_lists_the_codes(lco: Catalogue) -> None:
    written = exposure(optical_elements={"filter": "clear"})
    finding = only(r016, request(configuration(SINISTRO, "EXPOSE", written)), lco)
    assert finding.message.startswith(
        'filter "clear" is not available on 1M0-SCICAM-SINISTRO; use one of its filter codes: '
        "150um-Pinhole"
    )
    assert "did you mean" not in finding.message


def test_r016_lists_every_element_an_alias_may_name() -> None:
    elements = {"rp": "SDSS-rp", "r-SDSS": "GHTS r-SDSS", "R": "Bessell-R"}
    matches = element_matches("r'", elements)
    assert r016._alias_fix(matches) is None  # no fix when the choice is not one
    advice = r016._advice("filter", matches, sorted(elements))
    assert advice == (
        'it may name "rp" (SDSS-rp) or "r-SDSS" (GHTS r-SDSS): write the one meant. '
        "Its filter codes: R, r-SDSS, rp"
    )
