"""The portal's model of a request: what it reads, fills in and computes, without findings.

``values`` reads values as the portal's fields do, ``modes`` chooses modes,
``notions`` holds the catalogue lookups normalisation and rules share,
``normalize`` fills in the portal's defaults, and ``duration`` computes the
portal's duration.  Checking (``lco_validate.checking``) and the rules build
their verdicts on these.
"""
