"""Which known key an unknown one was meant to be (S101's suggestion and fix; docs/fixes.md).

A known key is a *candidate* for an unknown one when it is the same words
written otherwise (letter case, ``_``, ``-`` or spaces: ``Exposure-Time`` for
``exposure_time``), or a small typing slip away: at most one insertion,
deletion, substitution or swap of neighbours for keys of up to five
characters, two beyond (``exposure_tme``, ``max_lunar_distance`` for
``min_lunar_distance``).  The nearest candidates are kept; when exactly one is
left the key can be renamed to it: safely when it is the same words (nothing
but the spelling changes), unsafely otherwise (a typo's likeliest correction
is a judgement: ``max_lunar_distance`` may have meant a maximum the portal does
not have).  With none, difflib's close matches are suggested, but not renamed to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Keys longer than this are not compared: no known key is near, and the cost would grow.
_LONGEST_COMPARED = 64
_SEPARATORS = re.compile(r"[\s_-]+")


@dataclass(frozen=True)
class KeyMatch:
    """The known keys an unknown key may have been meant as, nearest first."""

    candidates: tuple[str, ...]
    #: Whether the candidates are near (same words, or a slip away), not only alike.
    near: bool = False
    #: Whether the one candidate differs only in letter case and separators.
    same_words: bool = False

    @property
    def rename_to(self) -> str | None:
        """The key to rename to, when the choice is unique and near."""
        return self.candidates[0] if self.near and len(self.candidates) == 1 else None

    def hint(self) -> str:
        """``; did you mean 'a'?`` or ``; did you mean 'a' or 'b'?``; blank with none."""
        if not self.candidates:
            return ""
        quoted = [f"'{key}'" for key in self.candidates]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        return f"; did you mean {listed}?"


def same_words(first: str, second: str) -> bool:
    """Whether two keys differ only in letter case and separators (``_``, ``-``, spaces)."""
    return _SEPARATORS.sub("", first).casefold() == _SEPARATORS.sub("", second).casefold()


def slip_distance(first: str, second: str, most: int) -> int:
    """Insertions, deletions, substitutions and neighbour swaps from one to the other.

    Counted only up to ``most``: anything further is ``most + 1``.
    """
    if abs(len(first) - len(second)) > most:
        return most + 1
    before_previous: list[int] = []
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, other in enumerate(second, 1):
            cost = 0 if char == other else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == second[j - 2] and first[i - 2] == other:
                current[j] = min(current[j], before_previous[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before_previous, previous = previous, current
    return min(previous[-1], most + 1)


def key_match(key: str, known: list[str]) -> KeyMatch:
    """The candidates among ``known`` for the unknown ``key`` (see the module's docstring)."""
    if len(key) > _LONGEST_COMPARED:
        return KeyMatch(())
    spelled = [name for name in known if same_words(key, name)]
    if spelled:
        return KeyMatch(tuple(spelled), near=True, same_words=len(spelled) == 1)
    most = 1 if len(key) <= 5 else 2
    distances = {name: slip_distance(key, name, most) for name in known}
    nearest = min(distances.values(), default=most + 1)
    if nearest <= most:
        return KeyMatch(
            tuple(sorted(name for name, d in distances.items() if d == nearest)), near=True
        )
    from difflib import get_close_matches

    return KeyMatch(tuple(get_close_matches(key, known, n=3, cutoff=0.7)))
