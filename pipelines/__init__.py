"""pageflow's run loop and command line."""

VENDORS = ("pagesense", "mouseflow")  # in the order a sync runs them
