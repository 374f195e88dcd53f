-- grain: one row per PageSense website_id, day
-- behaviour per day: pages per session, rage and dead clicks, sessions with errors.
with

source as (
    select * from {{ source('raw', 'pagesense__report_behavior') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        day,
        avg_pages_per_session,
        rage_clicks,
        dead_clicks,
        error_sessions
    from source
)

select * from final
