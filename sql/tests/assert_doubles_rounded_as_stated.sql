-- Every fractional mart column states its precision in its comment ("Rounded to N
-- decimals") and holds no more digits than that (no 0.5097999999999999 in a BI tool).
-- Returns the columns that state none; the values are checked by the grain step's test
-- in tests/sql (a query per column).
{{ pageflow_after_every_mart() }}
select
    table_name,
    column_name
from duckdb_columns()
where
    database_name = current_database()
    and schema_name = '{{ pageflow_marts_schema() }}'
    and data_type = 'DOUBLE'
    and not regexp_matches(coalesce(comment, ''), 'Rounded to [0-9]+ decimals')
