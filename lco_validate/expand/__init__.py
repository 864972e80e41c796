"""The portal's expansions, as pure functions of a parsed document and the run's settings.

``dither`` (``POST /api/configurations/dither/``) repeats a configuration's
instrument configs at the offsets of a pattern; ``mosaic``
(``POST /api/requests/mosaic/``) repeats a request's configuration at the
positions of a pattern; ``cadence`` (``POST /api/requestgroups/cadence/``)
repeats a request over time.  ``patterns`` holds the geometry dither and
mosaic share.  Each endpoint function answers (HTTP status, JSON body) as the
portal's endpoint does: refusals at the portal's places with our messages, and
the expanded document in the shape the portal's validation leaves it.
"""
