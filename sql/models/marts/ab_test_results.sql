-- grain: one row per site, vendor, website_id, test_id, day, variation_id
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

results as (
    select * from {{ ref('stg_pagesense__test_results') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

final as (
    select
        sites.site,
        results.vendor,
        results.website_id,
        results.test_id,
        results.test_status,
        results.day,
        results.variation_id,
        results.variation_name,
        case
            when
                bool_or(results.variation_id = 'var_original')
                    over (partition by results.website_id, results.test_id, results.day)
                then results.variation_id = 'var_original'
            else coalesce(results.improvement = 0, false)
        end as is_control,
        cast(results.visitors as bigint) as visitors,
        cast(results.conversions as bigint) as conversions,
        round(results.conversions / nullif(results.visitors, 0), 6) as conversion_rate,
        round(results.improvement, 6) as improvement,
        round(results.statistical_significance, 6) as statistical_significance,
        round(results.confidence_level, 6) as confidence_level,
        case
            when results.winning_variation is not null
                then results.variation_id = results.winning_variation
        end as is_winner,
        results.day < sites.final_before as is_final,
        sites.tracked_by_both
    from results
    inner join sites
        on results.vendor = sites.vendor and results.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
