-- rows: every mart table or column without a description (see pipelines/catalog.py)
{{ pageflow_after_every_mart() }}
select
    table_name as mart,
    column_name as undocumented
from duckdb_columns()
where
    database_name = current_database()
    and schema_name = '{{ pageflow_marts_schema() }}'
    and coalesce(comment, '') = ''
union all
select
    table_name as mart,
    '(the table)' as undocumented
from duckdb_tables()
where
    database_name = current_database()
    and schema_name = '{{ pageflow_marts_schema() }}'
    and coalesce(comment, '') = ''
