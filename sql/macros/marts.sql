{#- The marts by name (tests/sql checks this list against sql/models/marts/). -#}
{% macro pageflow_marts() -%}
    {{ return([
        'ab_test_results', 'customer_feedback', 'daily_traffic', 'form_conversion',
        'form_field_friction', 'funnel_conversion', 'funnel_drop_off', 'goal_conversion',
        'pages', 'session_conversion', 'sites', 'vendor_comparison',
        'vendor_comparison_periods',
    ]) }}
{%- endmacro %}

{#- A singular test that reads the catalog (duckdb_columns(), duckdb_tables()) names no
    mart, so dbt would run it first, against the marts of the build before; this makes it
    depend on every mart, so it checks the ones this build wrote. -#}
{% macro pageflow_after_every_mart() -%}
    {%- for mart in pageflow_marts() %}
-- depends_on: {{ ref(mart) }}
    {%- endfor %}
{%- endmacro %}
