-- grain: one row per site, vendor, funnel_id, day, step_number (steps 2 and on)
-- table: Where each funnel loses visitors: for every step after the first, the visitors
--   who reached the step before it, those who went on, and those lost on the way.
--   Which step loses most: order by visitors_lost or drop_off_rate.
-- column step_number: The step reached, from 2 (step 1 has no step before it).
-- column step_name: The name of the step reached.
-- column previous_step_name: The name of the step before it.
-- column previous_visitors: Visitors who reached the step before (count).
-- column visitors: Visitors who reached this step (count).
-- column visitors_lost: previous_visitors - visitors (count; negative when a vendor
--   counts more visitors at a later step).
-- column drop_off_rate: visitors_lost / previous_visitors, a fraction (null when the step
--   before had none).
--   Rounded to 6 decimals.
with

steps as (
    select * from analytics.funnel_conversion
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
