-- grain: one row per site, vendor, website_id, goal_id, day
-- table: Goals and their conversions per day. PageSense: its goals' conversion reports.
--   Mouseflow has no goals: each conversion tag (SOURCES__MOUSEFLOW__CONVERSION_TAGS) is
--   one, counted from the day's recordings.
-- column goal_id: PageSense: the goal's id; Mouseflow: 'tag:' and the tag.
-- column goal_name: PageSense: the goal's name; Mouseflow: the tag.
-- column visitors: Visitors (PageSense) or recorded sessions (Mouseflow) on the day
--   (count).
-- column conversions: Of those, the ones that reached the goal (count).
-- column conversion_rate: conversions / visitors, a fraction 0..1 (null when visitors is
--   0).
--   Rounded to 6 decimals.
-- column revenue: Revenue of the conversions in the account's currency (PageSense goals
--   with a value; null for Mouseflow).
--   Rounded to 2 decimals.
with

pagesense_goals as (
    select * from staging.stg_pagesense__goal_conversions
),

recordings as (
    select * from intermediate.int_recordings__unioned
    where vendor = 'mouseflow'
),

conversion_tags as (
    select * from raw.mouseflow_conversion_tags
),

sites as (
    select * from intermediate.int_sites__matched
),

mouseflow as (
    select
        recordings.vendor,
        recordings.website_id,
        'tag:' || conversion_tags.tag as goal_id,
        conversion_tags.tag as goal_name,
        recordings.day,
        count(*) as visitors,
        count_if(list_contains(recordings.tags, conversion_tags.tag)) as conversions,
        cast(null as double) as revenue
    from recordings
    cross join conversion_tags
    group by recordings.vendor, recordings.website_id, conversion_tags.tag, recordings.day
),

pagesense as (
    select
        vendor,
        website_id,
        goal_id,
        goal_name,
        day,
        visitors,
        conversions,
        revenue
    from pagesense_goals
),

unioned as (
    select * from pagesense
    union all by name
    select * from mouseflow
),

final as (
    select
        sites.site,
        unioned.vendor,
        unioned.website_id,
        unioned.goal_id,
        unioned.goal_name,
        unioned.day,
        cast(unioned.visitors as bigint) as visitors,
        cast(unioned.conversions as bigint) as conversions,
        round(unioned.conversions / nullif(unioned.visitors, 0), 6) as conversion_rate,
        round(unioned.revenue, 2) as revenue,
        unioned.day < sites.final_before as is_final,
        sites.tracked_by_both
    from unioned
    inner join sites
        on unioned.vendor = sites.vendor and unioned.website_id = sites.website_id
)

select * from final
