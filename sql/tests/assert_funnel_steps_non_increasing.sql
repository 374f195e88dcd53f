-- rows: funnel steps with more visitors than the step before (both vendors count the
-- visitors who reached a step, so a later step can never have more)
with

steps as (
    select
        *,
        lag(visitors) over (
            partition by vendor, website_id, funnel_id, day order by step_number
        ) as previous_visitors
    from {{ ref('funnel_conversion') }}
)

select
    site,
    vendor,
    funnel_id,
    day,
    step_number,
    visitors,
    previous_visitors
from steps
where visitors > previous_visitors
