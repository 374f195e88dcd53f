-- grain: one row per PageSense website_id, test_id, day, variation_id
-- units: conversion_rate, improvement, statistical_significance and confidence_level
-- fractions (PageSense sends percent); null where PageSense gives none.
with

source as (
    select * from {{ source('raw', 'pagesense__test_results') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        test_id,
        day,
        variation_id,
        name as variation_name,
        test_status,
        visitors,
        conversions,
        conversion_rate / 100.0 as conversion_rate,
        improvement / 100.0 as improvement,
        statistical_significance / 100.0 as statistical_significance,
        confidence_level / 100.0 as confidence_level,
        winning_variation
    from source
)

select * from final
