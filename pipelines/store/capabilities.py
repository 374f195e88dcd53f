"""dlt's destination capabilities, worked out once per destination instead of ~40 times a run.

dlt asks a destination for its capabilities at every step of a run (extract, normalize,
load, each schema it reads, each job), and each answer resolves the destination's whole
configuration again: measured on an hourly run, 38 calls and 1.1 s on a lake (its nested
credentials), 149 calls and 0.4 s on a file. The answer depends only on the destination's
own settings, which pageflow fixes when it makes the destination (one per pipeline, per
run), so the first answer is kept and every caller gets its own copy of it (dlt may adjust
what it is given). An answer for an explicit configuration is never kept.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from dlt.common.destination.capabilities import DestinationCapabilitiesContext

D = TypeVar("D")


def answered_once(destination: D) -> D:
    """`destination` with its `capabilities()` worked out once per naming convention."""
    plain = destination.capabilities  # type: ignore[attr-defined]
    kept: dict[Any, DestinationCapabilitiesContext] = {}

    def capabilities(config: Any = None, naming: Any = None) -> DestinationCapabilitiesContext:
        if config is not None:
            return plain(config, naming)  # type: ignore[no-any-return]
        key = None if naming is None else (type(naming), getattr(naming, "max_length", None))
        if key not in kept:
            kept[key] = plain(None, naming)
        return copy.deepcopy(kept[key])

    destination.capabilities = capabilities  # type: ignore[attr-defined]
    return destination
