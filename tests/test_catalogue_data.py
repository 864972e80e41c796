"""Consistency tests for the bundled data files.

In lco_validate/catalogue/data:

* lco-sites.json            -- default catalogue (configdb /sites/ shape)
* lco-sites.provenance.json -- where every value comes from
* semesters.json            -- LCO semester table
* schemas/configdb-sites.json                 -- JSON Schema for /sites/ snapshots
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).parents[1]
DATA = ROOT / "lco_validate" / "catalogue" / "data"
CATALOGUE = DATA / "lco-sites.json"
PROVENANCE = DATA / "lco-sites.provenance.json"
SEMESTERS = DATA / "semesters.json"
SCHEMA = ROOT / "schemas" / "configdb-sites.json"
FIXTURE_PAGE = ROOT / "fixtures" / "requests-api-page.txt"
REFERENCE_2020 = ROOT / "tests" / "data" / "configdb-sites-2020-11-30.json"

STATES = {"DISABLED", "MANUAL", "COMMISSIONING", "STANDBY", "SCHEDULABLE", "ENABLED"}


# --------------------------------------------------------------------------- loading


@cache
def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def load(path: Path):
    """A private deep copy, so tests may mutate what they get."""
    return copy.deepcopy(_load(path))


def catalogue() -> dict:
    return _load(CATALOGUE)


def validator() -> Draft202012Validator:
    schema = _load(SCHEMA)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def iter_telescopes(cat):
    for site in cat["results"]:
        for enc in site["enclosure_set"]:
            for tel in enc["telescope_set"]:
                yield site, enc, tel


def iter_instruments(cat):
    for site, enc, tel in iter_telescopes(cat):
        for inst in tel["instrument_set"]:
            yield site, enc, tel, inst


def iter_cameras(inst):
    yield from inst["science_cameras"]
    if inst.get("autoguider_camera"):
        yield inst["autoguider_camera"]


def telescope_class(aperture: float) -> str:
    """The portal's convert_telescope_aperture_to_string."""
    whole = math.floor(aperture)
    return f"{whole}m{round((aperture - whole) * 10)}"


def instrument_types(cat) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for *_, inst in iter_instruments(cat):
        out.setdefault(inst["instrument_type"]["code"], []).append(inst["instrument_type"])
    return out


def fixture_requests() -> list[dict]:
    """The seed page is HTTP status + header lines, then the JSON body."""
    text = FIXTURE_PAGE.read_text(encoding="utf-8")
    return json.loads(text[text.index("{") :])["results"]


# --------------------------------------------------------------------------- schema


def test_schema_is_valid_draft_2020_12():
    schema = _load(SCHEMA)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://lco-validate.example/schemas/configdb-sites.json"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "path", [CATALOGUE, REFERENCE_2020], ids=["lco-sites", "configdb-2020-11-30"]
)
def test_snapshots_validate_paged_and_bare(path):
    doc = _load(path)
    v = validator()
    assert [e.message for e in v.iter_errors(doc)] == []
    assert [e.message for e in v.iter_errors(doc["results"])] == []


def _first_instrument_path(doc):
    """(path prefix, instrument) of the first instrument that has a mode."""
    for si, site in enumerate(doc["results"]):
        for ei, enc in enumerate(site["enclosure_set"]):
            for ti, tel in enumerate(enc["telescope_set"]):
                for ii, inst in enumerate(tel["instrument_set"]):
                    for gi, group in enumerate(inst["instrument_type"]["mode_types"]):
                        if group["modes"]:
                            return [
                                "results",
                                si,
                                "enclosure_set",
                                ei,
                                "telescope_set",
                                ti,
                                "instrument_set",
                                ii,
                            ], gi
    raise AssertionError("no instrument with modes")


def _break_telescope_code(doc, prefix, gi):
    tel = doc
    for key in prefix[:6]:
        tel = tel[key]
    del tel["code"]
    return prefix[:6], "required"


def _break_mode_overhead(doc, prefix, gi):
    inst = doc
    for key in prefix:
        inst = inst[key]
    inst["instrument_type"]["mode_types"][gi]["modes"][0]["overhead"] = "4.0"
    return [*prefix, "instrument_type", "mode_types", gi, "modes", 0, "overhead"], "type"


def _break_state(doc, prefix, gi):
    inst = doc
    for key in prefix:
        inst = inst[key]
    inst["state"] = "BROKEN"
    return [*prefix, "state"], "enum"


@pytest.mark.parametrize(
    "path", [CATALOGUE, REFERENCE_2020], ids=["lco-sites", "configdb-2020-11-30"]
)
@pytest.mark.parametrize(
    "breaker",
    [_break_telescope_code, _break_mode_overhead, _break_state],
    ids=["telescope-without-code", "string-mode-overhead", "unknown-state"],
)
def test_malformed_variants_rejected_at_expected_path(path, breaker):
    doc = load(path)
    prefix, gi = _first_instrument_path(doc)
    expected_path, expected_validator = breaker(doc, prefix, gi)
    errors = list(validator().iter_errors(doc))
    assert errors, "malformed document was accepted"
    found = [(list(e.absolute_path), e.validator) for e in errors]
    assert (expected_path, expected_validator) in found, found
    # the same document as a bare results array: same error, path without the leading "results"
    bare_found = [
        (list(e.absolute_path), e.validator) for e in validator().iter_errors(doc["results"])
    ]
    assert (expected_path[1:], expected_validator) in bare_found, bare_found


def test_schema_rejects_non_snapshot_shapes():
    v = validator()
    assert not v.is_valid("sites")
    assert not v.is_valid({"count": 0, "next": None, "previous": None})  # no results
    assert not v.is_valid([{"code": "coj"}])  # site without enclosure_set


# --------------------------------------------------------------------------- catalogue content


def test_catalogue_envelope_and_sites():
    cat = catalogue()
    assert list(cat) == ["count", "next", "previous", "results"]
    assert cat["count"] == len(cat["results"])
    assert cat["next"] is None and cat["previous"] is None
    codes = [s["code"] for s in cat["results"]]
    assert codes == sorted(codes), "configdb orders sites by code"
    assert set(codes) == {"coj", "cpt", "elp", "lsc", "ogg", "sor", "tfn", "tlv"}


def test_no_ids_or_urls():
    forbidden = {"id", "__str__", "host", "site", "enclosure", "telescope"}

    def walk(node, where):
        if isinstance(node, dict):
            if where != "validation_schema":
                bad = forbidden & set(node)
                assert not bad, (where, bad)
            for key, value in node.items():
                walk(
                    value,
                    "validation_schema"
                    if key == "validation_schema" or where == "validation_schema"
                    else key,
                )
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(catalogue(), "")


def test_unique_locations_and_known_states():
    seen = set()
    for site, enc, tel in iter_telescopes(catalogue()):
        key = (site["code"], enc["code"], tel["code"])
        assert key not in seen, key
        seen.add(key)
        for inst in tel["instrument_set"]:
            assert inst["state"] in STATES


def test_apertures_give_portal_telescope_classes():
    for site, enc, tel in iter_telescopes(catalogue()):
        cls = telescope_class(tel["aperture"])
        assert cls in {"0m4", "1m0", "2m0", "4m0"}, (
            site["code"],
            enc["code"],
            tel["code"],
            tel["aperture"],
        )
        assert cls == tel["code"][:3], "telescope code prefix and aperture class disagree"


def test_telescope_overheads_are_zero_and_no_maximum_slew():
    for _site, _enc, tel in iter_telescopes(catalogue()):
        assert tel["slew_rate"] == 0.0
        assert tel["minimum_slew_overhead"] == 0.0
        assert tel["instrument_change_overhead"] == 0.0
        assert "maximum_slew_overhead" not in tel  # not a configdb field; portal default 0.0


def test_instrument_type_copies_identical():
    """The portal reads a type from its first or last copy (spec section 5.3): they must agree."""
    for code, copies in instrument_types(catalogue()).items():
        for other in copies[1:]:
            assert other == copies[0], code


@pytest.mark.parametrize("group_type", ["readout", "acquisition", "guiding"])
def test_required_mode_groups_have_default_or_single_mode(group_type):
    for code, copies in instrument_types(catalogue()).items():
        groups = [g for g in copies[0]["mode_types"] if g["type"] == group_type]
        assert len(groups) == 1, f"{code}: {len(groups)} {group_type} groups"
        group = groups[0]
        codes = [m["code"] for m in group["modes"]]
        assert codes, f"{code}: empty {group_type} group"
        assert group["default"] in codes or len(codes) == 1, (
            f"{code}: {group_type} has no usable default"
        )


def test_mode_and_element_defaults_refer_to_members():
    for code, copies in instrument_types(catalogue()).items():
        it = copies[0]
        for group in it["mode_types"]:
            assert group["default"] in [""] + [m["code"] for m in group["modes"]], (
                code,
                group["type"],
            )
        ct_codes = [ct["code"] for ct in it["configuration_types"]]
        assert it["default_configuration_type"] in ct_codes, code
    for *_, inst in iter_instruments(catalogue()):
        for cam in iter_cameras(inst):
            for oeg in cam["optical_element_groups"]:
                assert oeg["default"] in [""] + [e["code"] for e in oeg["optical_elements"]]


def test_compact_catalogue_values_that_reproduce_the_seed_durations():
    """docs/catalogue.md, Values pinned by the seed records: what the 10 seed durations fix."""
    types = instrument_types(catalogue())

    def readout(code):
        group = next(g for g in types[code][0]["mode_types"] if g["type"] == "readout")
        return {m["code"]: m["overhead"] for m in group["modes"]}, group["default"]

    def filter_overhead(code):
        for *_, inst in iter_instruments(catalogue()):
            if inst["instrument_type"]["code"] == code:
                return {
                    g["type"]: g["element_change_overhead"]
                    for cam in inst["science_cameras"]
                    for g in cam["optical_element_groups"]
                }["filters"]

    qhy = types["0M4-SCICAM-QHY600"][0]
    assert readout("0M4-SCICAM-QHY600") == (
        {"central30x30": 4.0, "full_frame": 9.0},
        "central30x30",
    )
    assert (
        qhy["fixed_overhead_per_exposure"],
        qhy["config_front_padding"],
        qhy["observation_front_padding"],
    ) == (1.0, 5.0, 90.0)
    assert filter_overhead("0M4-SCICAM-QHY600") == 2.0

    sin = types["1M0-SCICAM-SINISTRO"][0]
    assert readout("1M0-SCICAM-SINISTRO") == (
        {"full_frame": 28.0, "central_2k_2x2": 9.0},
        "full_frame",
    )
    assert (
        sin["fixed_overhead_per_exposure"],
        sin["config_front_padding"],
        sin["observation_front_padding"],
    ) == (1.0, 16.0, 90.0)
    assert filter_overhead("1M0-SCICAM-SINISTRO") == 2.0

    for it in (qhy, sin):
        assert all(ct["config_change_overhead"] == 0.0 for ct in it["configuration_types"])


def test_schedulable_instrument_types():
    schedulable = {
        inst["instrument_type"]["code"]
        for *_, inst in iter_instruments(catalogue())
        if inst["state"] == "SCHEDULABLE"
    }
    assert schedulable == {
        "0M4-SCICAM-QHY600",
        "1M0-SCICAM-SINISTRO",
        "2M0-SCICAM-MUSCAT",
        "2M0-FLOYDS-SCICAM",
        "SOAR_GHTS_REDCAM",
        "SOAR_GHTS_REDCAM_IMAGER",
    }
    # present, but kept out of the default schedulable set (see provenance notes)
    present = set(instrument_types(catalogue()))
    assert {
        "1M0-NRES-SCICAM",
        "SOAR_GHTS_BLUECAM",
        "SOAR_GHTS_BLUECAM_IMAGER",
        "SOAR_TRIPLESPEC",
    } <= present


# --------------------------------------------------------------------------- fixture coverage


def _locations(cat):
    out = {}
    for site, enc, tel in iter_telescopes(cat):
        out[(site["code"], enc["code"], tel["code"])] = tel
    return out


def test_fixture_instrument_types_and_locations_exist():
    cat = catalogue()
    locations = _locations(cat)
    requests = fixture_requests()
    assert len(requests) == 10
    for req in requests:
        loc = req["location"]
        for conf in req["configurations"]:
            it = conf["instrument_type"].upper()
            candidates = [
                (key, tel)
                for key, tel in locations.items()
                if (not loc.get("site") or key[0] == loc["site"])
                and (not loc.get("enclosure") or key[1] == loc["enclosure"])
                and (not loc.get("telescope") or key[2] == loc["telescope"])
                and telescope_class(tel["aperture"]) == loc["telescope_class"]
                and any(
                    i["state"] == "SCHEDULABLE" and i["instrument_type"]["code"].upper() == it
                    for i in tel["instrument_set"]
                )
            ]
            assert candidates, f"request {req['id']}: no SCHEDULABLE {it} at {loc}"
            if loc.get("telescope"):
                assert (loc["site"], loc["enclosure"], loc["telescope"]) in locations


def test_fixture_modes_elements_and_configuration_types_exist():
    types = instrument_types(catalogue())
    for req in fixture_requests():
        for conf in req["configurations"]:
            it = types[conf["instrument_type"].upper()][0]
            assert conf["type"] in {ct["code"] for ct in it["configuration_types"]}
            readout = next(g for g in it["mode_types"] if g["type"] == "readout")
            elements = {
                e["code"]
                for *_, inst in iter_instruments(catalogue())
                if inst["instrument_type"]["code"] == it["code"]
                for cam in inst["science_cameras"]
                for g in cam["optical_element_groups"]
                for e in g["optical_elements"]
            }
            for ic in conf["instrument_configs"]:
                assert ic["mode"] in {m["code"] for m in readout["modes"]}
                for value in ic["optical_elements"].values():
                    assert value in elements, (req["id"], value)


# --------------------------------------------------------------------------- provenance


def _walk(obj, fields, key):
    for seg in fields:
        if isinstance(obj, dict) and seg in obj:
            obj = obj[seg]
        elif isinstance(obj, list):
            obj = next(
                (x for x in obj if isinstance(x, dict) and seg in (x.get("type"), x.get("code"))),
                None,
            )
        else:
            obj = None
        if obj is None:
            raise KeyError(f"{key}: no {seg!r}")
    return obj


def resolve(cat, key: str) -> list:
    """Resolve a provenance key to the catalogue value(s) it describes (KeyError if none).

    Formats: sites/<s>, enclosures/<s>.<e>, telescopes/<s>.<e>.<t>, instruments/<s>.<e>.<t>.<code>,
    instrument_types/<CODE>, optical_element_groups/<CODE>/<group type>, camera_types/<code>,
    each optionally followed by /<field>[/<field>...]; cameras/<field> (a field of every camera).
    A segment after a list selects the member whose "type" or "code" equals it, e.g.
    instrument_types/<CODE>/mode_types/readout/modes/full_frame/overhead.
    '*' as the identifier matches every object of that kind.
    """
    kind, _, rest = key.partition("/")
    segs = rest.split("/")
    ident, fields = segs[0], segs[1:]
    objects: dict[str, list] = {}
    if kind == "sites":
        for site in cat["results"]:
            objects.setdefault(site["code"], []).append(site)
    elif kind == "enclosures":
        for site in cat["results"]:
            for enc in site["enclosure_set"]:
                objects.setdefault(f"{site['code']}.{enc['code']}", []).append(enc)
    elif kind == "telescopes":
        for site, enc, tel in iter_telescopes(cat):
            objects.setdefault(f"{site['code']}.{enc['code']}.{tel['code']}", []).append(tel)
    elif kind == "instruments":
        for site, enc, tel, inst in iter_instruments(cat):
            objects.setdefault(
                f"{site['code']}.{enc['code']}.{tel['code']}.{inst['code']}", []
            ).append(inst)
    elif kind == "instrument_types":
        objects = instrument_types(cat)
    elif kind == "optical_element_groups":
        for *_, inst in iter_instruments(cat):
            for cam in inst["science_cameras"]:
                for oeg in cam["optical_element_groups"]:
                    objects.setdefault(
                        f"{inst['instrument_type']['code']}/{oeg['type']}", []
                    ).append(oeg)
        if not fields:
            raise KeyError(f"{key}: group type missing")
        ident, fields = f"{ident}/{fields[0]}", fields[1:]
    elif kind == "camera_types":
        for *_, inst in iter_instruments(cat):
            for cam in iter_cameras(inst):
                objects.setdefault(cam["camera_type"]["code"], []).append(cam["camera_type"])
    elif kind == "cameras":
        cams = [cam for *_, inst in iter_instruments(cat) for cam in iter_cameras(inst)]
        return [_walk(cam, segs, key) for cam in cams]
    else:
        raise KeyError(f"{key}: unknown kind {kind!r}")
    if ident == "*":
        matched = [obj for group in objects.values() for obj in group]
    else:
        matched = objects.get(ident, [])
    if not matched:
        raise KeyError(f"{key}: {ident!r} not in catalogue")
    return [_walk(obj, fields, key) for obj in matched]


def test_provenance_about_and_entry_format():
    prov = _load(PROVENANCE)
    about = prov["_about"]
    assert about["snapshot_date"] and about["what"] and about["default_source"]
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for key, entry in prov.items():
        if key.startswith("_"):
            continue
        assert set(entry) == {"source", "date", "status", "note"}, key
        assert entry["status"] in {"read", "inferred", "pinned"}, key
        assert date.match(entry["date"]), key
        datetime.strptime(entry["date"], "%Y-%m-%d")
        assert entry["source"], key


def test_every_provenance_key_resolves():
    cat = catalogue()
    bad = []
    for key in _load(PROVENANCE):
        if key.startswith("_"):
            continue
        try:
            resolve(cat, key)
        except KeyError as exc:
            bad.append(str(exc))
    assert bad == []


def test_resolver_rejects_unknown_paths():
    cat = catalogue()
    for key in (
        "sites/xyz",
        "telescopes/tfn.domb.1m0a/no_such_field",
        "instrument_types/NOPE",
        "instrument_types/0M4-SCICAM-QHY600/mode_types/readout/modes/no_mode/overhead",
        "optical_element_groups/0M4-SCICAM-QHY600/slits",
        "bogus/x",
    ):
        with pytest.raises(KeyError):
            resolve(cat, key)
    assert (
        resolve(
            cat, "instrument_types/0M4-SCICAM-QHY600/mode_types/readout/modes/central30x30/overhead"
        )[0]
        == 4.0
    )
    assert resolve(cat, "telescopes/tfn.domb.1m0a/horizon") == [15.0]


def test_provenance_covers_overheads_and_geometry():
    prov = _load(PROVENANCE)
    cat = catalogue()
    missing = []
    for site, enc, tel in iter_telescopes(cat):
        tid = f"{site['code']}.{enc['code']}.{tel['code']}"
        for field in (
            "lat",
            "long",
            "horizon",
            "ha_limit_neg",
            "ha_limit_pos",
            "zenith_blind_spot",
            "aperture",
            "slew_rate",
            "minimum_slew_overhead",
            "instrument_change_overhead",
            "telescope_front_padding",
        ):
            if f"telescopes/{tid}/{field}" not in prov:
                missing.append(f"telescopes/{tid}/{field}")
        for inst in tel["instrument_set"]:
            if f"instruments/{tid}.{inst['code']}/state" not in prov:
                missing.append(f"instruments/{tid}.{inst['code']}/state")
    for code, copies in instrument_types(cat).items():
        it = copies[0]
        base = f"instrument_types/{code}"
        for field in (
            "fixed_overhead_per_exposure",
            "observation_front_padding",
            "config_front_padding",
            "acquire_exposure_time",
        ):
            if f"{base}/{field}" not in prov:
                missing.append(f"{base}/{field}")
        for group in it["mode_types"]:
            for mode in group["modes"]:
                if f"{base}/mode_types/{group['type']}/modes/{mode['code']}/overhead" not in prov:
                    missing.append(
                        f"{base}/mode_types/{group['type']}/modes/{mode['code']}/overhead"
                    )
        for ct in it["configuration_types"]:
            if f"{base}/configuration_types/{ct['code']}/config_change_overhead" not in prov:
                missing.append(f"{base}/configuration_types/{ct['code']}/config_change_overhead")
    for *_, inst in iter_instruments(cat):
        for cam in inst["science_cameras"]:
            for oeg in cam["optical_element_groups"]:
                group = f"{inst['instrument_type']['code']}/{oeg['type']}"
                key = f"optical_element_groups/{group}/element_change_overhead"
                if key not in prov:
                    missing.append(key)
    assert sorted(set(missing)) == []


# --------------------------------------------------------------------------- semesters


def _parse(ts: str) -> datetime:
    assert ts.endswith("Z"), ts
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")


def test_semesters_contiguous_and_non_overlapping():
    table = _load(SEMESTERS)
    assert table["_source"]
    semesters = table["semesters"]
    codes = [s["code"] for s in semesters]
    assert len(codes) == len(set(codes))
    assert codes[0] == "2014A" and codes[-1] == "2030B"
    assert all(re.fullmatch(r"20\d\d(A|B|AB)", c) for c in codes)
    for s in semesters:
        assert _parse(s["start"]) < _parse(s["end"]), s["code"]
        assert s["status"] in {"read", "inferred"}
    for prev, nxt in itertools.pairwise(semesters):
        gap = _parse(nxt["start"]) - _parse(prev["end"])
        assert gap == timedelta(seconds=1), (
            prev["code"],
            nxt["code"],
            gap,
        )  # contiguous, no overlap


def test_semester_codes_cover_every_year():
    codes = {s["code"] for s in _load(SEMESTERS)["semesters"]}
    for year in range(2014, 2031):
        assert {f"{year}A", f"{year}B"} <= codes or f"{year}AB" in codes, year


def test_seed_windows_fall_in_one_semester():
    semesters = [
        (s["code"], _parse(s["start"]), _parse(s["end"])) for s in _load(SEMESTERS)["semesters"]
    ]
    for req in fixture_requests():
        for window in req["windows"]:
            start = datetime.fromisoformat(window["start"]).replace(tzinfo=None)
            end = datetime.fromisoformat(window["end"]).replace(tzinfo=None)
            assert [c for c, s, e in semesters if s <= start and end <= e] == ["2024B"]
