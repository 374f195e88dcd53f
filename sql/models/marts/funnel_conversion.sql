-- grain: one row per site, vendor, funnel_id, day, step_number
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

steps as (
    select * from {{ ref('int_funnel_steps__unioned') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

with_previous as (
    select
        *,
        first_value(visitors) over funnel_day as first_visitors,
        lag(visitors) over funnel_day as previous_visitors
    from steps
    window funnel_day as (
        partition by vendor, website_id, funnel_id, day order by step_number
    )
),

final as (
    select
        sites.site,
        with_previous.vendor,
        with_previous.website_id,
        with_previous.funnel_id,
        with_previous.funnel_name,
        with_previous.day,
        with_previous.step_number,
        with_previous.step_name,
        cast(with_previous.visitors as bigint) as visitors,
        round(with_previous.visitors / nullif(with_previous.first_visitors, 0), 6)
            as conversion_from_start,
        round(
            case
                when with_previous.previous_visitors is null then 1.0
                else with_previous.visitors / nullif(with_previous.previous_visitors, 0)
            end,
            6
        ) as conversion_from_previous,
        with_previous.day < sites.final_before as is_final,
        sites.tracked_by_both
    from with_previous
    inner join sites
        on with_previous.vendor = sites.vendor and with_previous.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
