"""The IPCC's calibrated likelihood scale, read so that each probability gets exactly one word.

The AR5 guidance note for lead authors (Mastrandrea et al. 2010, table 1) defines nested ranges:
virtually certain 99–100%, very likely 90–100%, likely 66–100%, about as likely as not 33–66%,
unlikely 0–33%, very unlikely 0–10%, exceptionally unlikely 0–1%. "Very likely" is then also
"likely". A report needs one word per goal, so we use the *mutually exclusive* reading, the
narrowest range that holds the estimate (the one the issue cites, "very likely 90–99%, likely
66–90%, ..."):

==========================  ================
word                        probability p
==========================  ================
virtually certain           p >= 0.99
very likely                 0.90 <= p < 0.99
likely                      0.66 <= p < 0.90
about as likely as not      0.33 <= p < 0.66
unlikely                    0.10 <  p < 0.33
very unlikely               0.01 <  p <= 0.10
exceptionally unlikely      p <= 0.01
==========================  ================

The boundaries go to the nearer end of the scale (0.10 is "very unlikely", 0.90 "very likely"),
as the nested ranges do. The word describes the point estimate; the report prints the 95%
interval beside it.
"""

from __future__ import annotations

import math

#: (word, the test of its range), from the top of the scale down
SCALE = (
    ("virtually_certain", lambda p: p >= 0.99),
    ("very_likely", lambda p: 0.90 <= p < 0.99),
    ("likely", lambda p: 0.66 <= p < 0.90),
    ("about_as_likely_as_not", lambda p: 0.33 <= p < 0.66),
    ("unlikely", lambda p: 0.10 < p < 0.33),
    ("very_unlikely", lambda p: 0.01 < p <= 0.10),
    ("exceptionally_unlikely", lambda p: p <= 0.01),
)


def likelihood_key(p: float | None) -> str | None:
    """The catalogue key (``lk_<word>``) of probability ``p``; None for a missing value."""
    if p is None or not math.isfinite(p):
        return None
    for word, holds in SCALE:
        if holds(p):
            return f"lk_{word}"
    raise ValueError(f"probability {p} outside 0..1")
