-- rows: mart columns of a wider integer type than BIGINT (sum() and count_if() give
-- HUGEINT, which BI drivers read badly): every count in the marts is BIGINT
{{ pageflow_after_every_mart() }}
select
    table_name as mart,
    column_name,
    data_type
from duckdb_columns()
where
    database_name = current_database()
    and schema_name = '{{ pageflow_marts_schema() }}'
    and data_type in ('HUGEINT', 'UHUGEINT', 'DECIMAL(38,0)')
