-- Every mart with a site also says whether both vendors track it (`tracked_by_both`), so an
-- analyst compares like with like without joining `sites`. Returns the marts that lack it.
{{ pageflow_after_every_mart() }}
with

site_marts as (
    select table_name
    from duckdb_columns()
    where
        database_name = current_database()
        and schema_name = '{{ pageflow_marts_schema() }}'
        and column_name = 'site'
),

flagged as (
    select table_name
    from duckdb_columns()
    where
        database_name = current_database()
        and schema_name = '{{ pageflow_marts_schema() }}'
        and column_name = 'tracked_by_both'
)

select table_name from site_marts
except
select table_name from flagged
