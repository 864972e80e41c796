"""Observation types of a request group that the group rules single out.

Serves R082 and R085, which leave alone the groups the scheduler does not
place, and R083 and R084, which judge rapid-response groups only.
"""

from __future__ import annotations

#: Observation types that bypass the scheduler; the portal skips the checks R082 and R085 make.
NOT_SCHEDULED = frozenset({"DIRECT", "REAL_TIME"})

RAPID_RESPONSE = "RAPID_RESPONSE"
