"""pageflow's run loop and command line."""

from __future__ import annotations

# The vendor registry: each name is a package `sources/<name>/` whose `vendor` module holds
# its `REGISTRATION` (see README "Adding a vendor"). All of them sync side by side.
VENDORS = ("pagesense", "mouseflow")
