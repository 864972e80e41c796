"""The optical elements of each instrument config, and the kinds an instrument type lacks.

Serves R015 (a kind of optical element the instrument type does not have),
R016 (an element code it does not have) and R017 (a required element left
out, which is not judged where R015 already objects).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._configurations import CheckedConfiguration


def element_lists(
    configuration: CheckedConfiguration,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, optical_elements as written) of each instrument config that has them."""
    for index, instrument_config in enumerate(
        configuration.written.get("instrument_configs") or []
    ):
        elements = (
            instrument_config.get("optical_elements")
            if isinstance(instrument_config, dict)
            else None
        )
        if isinstance(elements, dict):
            yield index, elements


def unknown_element_types(elements: dict[str, Any], groups: dict[str, Any]) -> list[str]:
    return [kind for kind in elements if f"{kind}s" not in groups]
