"""Long differential runs: lco-validate against the real portal on generated documents.

    .venv/bin/python oracle/differential.py --count 5000 --workers 2 [--seed N] [--now ISO]

Runs in the project's venv (it imports lco_validate and the test strategies);
the portal answers from ``oracle/.venv`` (``bash oracle/setup.sh`` first).
Prints the seed and "now" first, so any run can be replayed, then what the
documents exercised and each kind of divergence with its smallest example.
``--divergent FILE`` writes every divergent document as JSON Lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lco_validate import load_catalogue
from lco_validate.documents.times import parse_portal_datetime
from tests.oracle.portal import PortalPool, unavailable_reason
from tests.oracle.runs import Tally, draw, judge
from tests.oracle.strategies import Exercised, mutated_request_groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="documents to draw")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--now", default=None, help="the portal's clock (default: this hour)")
    parser.add_argument("--workers", type=int, default=2, help="portal processes")
    parser.add_argument("--max-mutations", type=int, default=2)
    parser.add_argument("--configdb", type=Path, default=None, help="a /sites/ snapshot")
    parser.add_argument("--divergent", type=Path, default=None, help="write divergent documents")
    options = parser.parse_args()

    reason = unavailable_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    seed = options.seed if options.seed is not None else random.randrange(2**32)
    if options.now:
        now = parse_portal_datetime(options.now)
        if now is None:
            parser.error(f"--now {options.now!r} is not an ISO date-time")
    else:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    print(f"seed {seed}, now {now.isoformat()}, {options.count} documents", flush=True)

    catalogue = load_catalogue(options.configdb)
    started = time.monotonic()
    drawn = draw(
        mutated_request_groups(catalogue, now, max_mutations=options.max_mutations),
        options.count,
        seed,
    )
    exercised = Exercised()
    for document, mutations in drawn:
        exercised.add(document, mutations)
    documents = [document for document, _ in drawn]
    distinct = len({json.dumps(document, sort_keys=True) for document in documents})
    print(f"drawn in {time.monotonic() - started:.1f} s ({distinct} distinct)", flush=True)

    tally = Tally()
    pool = PortalPool(options.workers, options.configdb)
    divergent = options.divergent.open("w", encoding="utf-8") if options.divergent else None
    try:
        answers = pool.validate_all((document, now) for document in documents)
        for index, result in enumerate(judge(documents, answers, catalogue, now), 1):
            tally.add(result)
            if divergent and result.divergences:
                divergent.write(
                    json.dumps({"divergences": result.divergences, "document": result.document})
                    + "\n"
                )
            if index % 250 == 0:
                print(f"  {index} judged, {time.monotonic() - started:.0f} s", flush=True)
    finally:
        pool.close()
        if divergent:
            divergent.close()
    print(f"judged in {time.monotonic() - started:.0f} s\n")
    print(exercised.report())
    print()
    print(tally.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
