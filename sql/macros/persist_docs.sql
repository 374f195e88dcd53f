{#- dbt writes a model's descriptions as comments after every build; an incremental build
    keeps its table, and with it the comments written when the table was created (a changed
    description changes the project's fingerprint, which rebuilds every mart afresh). On a
    lake every comment is a change of the catalog's schema: written once, not every hour. -#}
{% macro duckdb__persist_docs(relation, model, for_relation=true, for_columns=true) -%}
    {%- if not (is_incremental() and not flags.FULL_REFRESH) -%}
        {{ return(dbt.default__persist_docs(relation, model, for_relation, for_columns)) }}
    {%- endif -%}
{%- endmacro %}
