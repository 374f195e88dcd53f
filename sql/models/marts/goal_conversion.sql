-- grain: one row per site, vendor, website_id, goal_id, day
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

pagesense_goals as (
    select * from {{ ref('stg_pagesense__goal_conversions') }}
),

recordings as (
    select * from {{ ref('int_recordings__unioned') }}
    where vendor = 'mouseflow' and {{ pageflow_window('started_at') }}
),

conversion_tags as (
    select * from {{ source('raw', 'mouseflow_conversion_tags') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
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
where {{ pageflow_days() }}
