{#- Incremental by day. pageflow writes `raw.changed_days` (vendor, website_id, day) before
    each build: the days the runs since the last build loaded, re-fetched or deleted (from
    the ledger, one day either side for time-zone slack) and the days whose is_final may
    have changed. A mart over day-grained facts rebuilds those days only: the rows of its
    changed days are deleted and its query, filtered to them, is inserted, so a day the
    vendor emptied leaves no row behind. `pageflow models --full-refresh` (or a change of
    the models, the site pairs or the websites) rebuilds everything. -#}

{#- True for rows of a changed (vendor, website_id, day). -#}
{% macro pageflow_days(vendor='vendor', website_id='website_id', day='day', scoped=none) -%}
    {%- if (is_incremental() if scoped is none else scoped) -%}
        ({{ vendor }}, {{ website_id }}, {{ day }}) in (
            select changed.vendor, changed.website_id, changed.day
            from {{ source('raw', 'changed_days') }} as changed
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- True for rows of a site whose website changed on the day (site-grained marts). -#}
{% macro pageflow_site_days(site='site', day='day') -%}
    {%- if is_incremental() -%}
        ({{ site }}, {{ day }}) in (
            select sites.site, changed.day
            from {{ source('raw', 'changed_days') }} as changed
            inner join {{ ref('int_sites__matched') }} as sites
                on changed.vendor = sites.vendor and changed.website_id = sites.website_id
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- A recording's timestamp `column` (UTC) near the changed days, as constants the scan
    filters on: a local day is at most one day from the UTC date, two days are allowed. -#}
{% macro pageflow_window(column, scoped=none) -%}
    {%- if (is_incremental() if scoped is none else scoped) and execute and flags.WHICH in ('build', 'run', 'test') -%}
        {%- set bounds = run_query(
            "select cast(min(day) - 2 as varchar), cast(max(day) + 3 as varchar) from "
            ~ source('raw', 'changed_days')
        ).rows[0] -%}
        {%- if bounds[0] is none -%}
            false
        {%- else -%}
            {{ column }} >= timestamp '{{ bounds[0] }}'
            and {{ column }} < timestamp '{{ bounds[1] }}'
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The strategies: delete the changed days from the mart, insert the rebuilt rows. -#}
{% macro get_incremental_pageflow_website_days_sql(arg_dict) -%}
    {{ pageflow_replace_days(arg_dict, pageflow_days()) }}
{%- endmacro %}

{% macro get_incremental_pageflow_site_days_sql(arg_dict) -%}
    {{ pageflow_replace_days(arg_dict, pageflow_site_days()) }}
{%- endmacro %}

{% macro pageflow_replace_days(arg_dict, changed) -%}
    {%- set columns = arg_dict["dest_columns"] | map(attribute="quoted") | join(", ") -%}
    delete from {{ arg_dict["target_relation"] }} where {{ changed }};
    insert into {{ arg_dict["target_relation"] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{%- endmacro %}

{#- The SQL tests over recordings check the rebuilt days on an incremental build (every day
    on a full one): `pageflow_days` and `pageflow_window` for a test. -#}
{% macro pageflow_test_days(vendor='vendor', website_id='website_id', day='day') -%}
    {{ pageflow_days(vendor, website_id, day, scoped=not flags.FULL_REFRESH) }}
{%- endmacro %}

{% macro pageflow_test_window(column) -%}
    {{ pageflow_window(column, scoped=not flags.FULL_REFRESH) }}
{%- endmacro %}
