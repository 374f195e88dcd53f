"""`python -m pipelines.cli`: the `pageflow` command."""

from pipelines.cli import entry

entry()
