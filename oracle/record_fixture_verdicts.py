"""Write each fixtures/invalid folder's portal-verdicts.tsv: what the real portal answers.

    .venv/bin/python oracle/record_fixture_verdicts.py

One line per place the portal names (file, verdict, JSON Pointer, message);
``tests/test_portal_oracle.py`` checks that the portal still answers so and
that our findings cover every place.  Run again after adding a fixture.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.oracle.portal import Portal, unavailable_reason
from tests.oracle.runs import (
    FIXTURES_NOW,
    VERDICTS,
    as_submission,
    fixture_folders,
    verdict_lines,
)

HEADER = (
    "# The real portal's answer to each document here (oracle/record_fixture_verdicts.py):\n"
    "# file, verdict, JSON Pointer of each place it names, its message.  Submitted as a group\n"
    "# under the oracle's proposal, at 2030-06-01T00:00:00Z.\n"
)


def main() -> int:
    reason = unavailable_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    for folder, configdb in fixture_folders():
        lines = []
        with Portal(configdb) as portal:
            for path in sorted(folder.glob("*.json")):
                answer = portal.validate(as_submission(json.loads(path.read_text())), FIXTURES_NOW)
                lines += verdict_lines(path.name, answer)
        (folder / VERDICTS).write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        print(f"{folder.name}/{VERDICTS}: {len(lines)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
