-- grain: one row per PageSense website_id, day
-- units: conversion_rate a fraction 0..1 (PageSense sends percent); revenue in the
-- website's currency.
with

source as (
    select * from {{ source('raw', 'pagesense__report_conversions') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        day,
        goal_conversions,
        purchases,
        conversion_rate / 100.0 as conversion_rate,
        revenue
    from source
)

select * from final
