"""Long differential runs: our visibility intervals against rise_set's, as the portal calls it.

    .venv/bin/python oracle/visibility_differential.py --count 2000 [--seed N] [--cases FILE]

Runs in the project's venv (it imports lco_validate and the test strategies);
rise_set answers from ``oracle/.venv`` (``bash oracle/setup.sh`` first), one
process, so it leaves the machine's other core alone.  Prints the seed first,
so any run can be replayed, then the distribution of edge differences (ours
minus rise_set's) per target kind and cause, unmatched edges,
``largest_interval`` and V001/V002 agreement and the worst cases.
``--cases FILE`` writes every case with its two answers as JSON Lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lco_validate import load_catalogue
from tests.oracle.riseset import RiseSet, unavailable_reason
from tests.oracle.runs import draw
from tests.oracle.visibility_compare import Summary, compare
from tests.oracle.visibility_strategies import visibility_cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="cases to draw")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--cases", type=Path, default=None, help="write each case and answers")
    options = parser.parse_args()

    reason = unavailable_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    seed = options.seed if options.seed is not None else random.randrange(2**32)
    print(f"seed {seed}, {options.count} cases", flush=True)
    cases = draw(visibility_cases(load_catalogue()), options.count, seed)
    summary = Summary()
    started = time.monotonic()
    output = options.cases.open("w", encoding="utf-8") if options.cases else None
    with RiseSet() as riseset:
        for case in cases:
            answer = riseset.intervals(
                case["site"], [tuple(w) for w in case["windows"]], [tuple(p) for p in case["pairs"]]
            )
            result = compare(case, answer)
            summary.add(result)
            if output:
                row = {"case": case, "ours": result.ours, "rise_set": result.theirs}
                output.write(json.dumps(row) + "\n")
    if output:
        output.close()
    print(summary.report())
    print(f"{len(cases)} cases in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
