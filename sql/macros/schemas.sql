{#- pageflow's schemas are named as they are (staging, intermediate, analytics), not
    prefixed with the target's schema; the marts go where `pageflow_marts_schema` says.
    A project that installs pageflow as a package calls this from its own
    `generate_schema_name` (README, "Your own dbt project"). -#}
{% macro pageflow_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'analytics' -%}
        {{ pageflow_marts_schema() }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ pageflow_schema_name(custom_schema_name, node) }}
{%- endmacro %}

{% macro pageflow_marts_schema() -%}
    {{ var('pageflow_marts_schema', 'analytics') }}
{%- endmacro %}
