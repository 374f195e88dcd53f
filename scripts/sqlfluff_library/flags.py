"""dbt's `flags` for sqlfluff's Jinja templater (linting renders a full build's SQL)."""

FULL_REFRESH = True
WHICH = "build"
