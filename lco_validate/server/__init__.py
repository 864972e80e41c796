"""The HTTP front door: the portal's API answered offline.

``app`` is the server (routing, limits, start-up); each endpoint's answer has its
own module: ``validate`` for ``POST /api/requestgroups/validate/``,
``instruments`` for ``GET /api/instruments/``.
"""
