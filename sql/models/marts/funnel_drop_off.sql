-- grain: one row per site, vendor, funnel_id, day, step_number (steps 2 and on)
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

steps as (
    select * from {{ ref('funnel_conversion') }}
),

with_previous as (
    select
        *,
        lag(step_name) over funnel_day as previous_step_name,
        lag(visitors) over funnel_day as previous_visitors,
        row_number() over funnel_day as position
    from steps
    window funnel_day as (
        partition by vendor, website_id, funnel_id, day order by step_number
    )
),

final as (
    select
        site,
        vendor,
        website_id,
        funnel_id,
        funnel_name,
        day,
        step_number,
        step_name,
        previous_step_name,
        previous_visitors,
        visitors,
        previous_visitors - visitors as visitors_lost,
        round((previous_visitors - visitors) / nullif(previous_visitors, 0), 6) as drop_off_rate,
        is_final,
        tracked_by_both
    from with_previous
    where position > 1
)

select * from final
where {{ pageflow_days() }}
