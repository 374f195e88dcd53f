"""`python -m pipelines.ledger [README.md]`: rewrite the README's ledger reference."""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.ledger.tables import README_BEGIN, README_END, markdown


def main(argv: list[str]) -> int:
    readme = Path(argv[0] if argv else "README.md")
    text = readme.read_text()
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + markdown() + text[end:])
    print(f"ledger reference written to {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
