-- grain: one row per site, vendor, website_id, test_id, day, variation_id
-- table: A/B test results per variation and day, with the vendor's own significance where
--   it gives one (PageSense; Mouseflow runs no tests).
-- column test_id: The vendor's id of the test.
-- column test_status: The test's status when fetched (running, paused, completed, ...).
-- column variation_id: The variation's id (PageSense's control is var_original).
-- column variation_name: The variation's name.
-- column is_control: True for the control variation (PageSense's var_original, or the
--   one with improvement 0 when there is no var_original).
-- column visitors: Visitors who saw the variation on the day (count).
-- column conversions: Of those, the ones who converted (count).
-- column conversion_rate: conversions / visitors, a fraction 0..1 (null when visitors is
--   0).
--   Rounded to 6 decimals.
-- column improvement: The vendor's lift of this variation's rate over the control's, a
--   fraction (0.25 = 25% better).
--   Rounded to 6 decimals.
-- column statistical_significance: The vendor's confidence that this variation differs
--   from the control, a fraction 0..1 (PageSense's percent / 100; null where not given).
--   Rounded to 6 decimals.
-- column confidence_level: The vendor's confidence level for the whole test, a fraction
--   0..1 (null where not given).
--   Rounded to 6 decimals.
-- column is_winner: True for the variation the vendor names as winning; null when it
--   names none.
with

results as (
    select * from staging.stg_pagesense__test_results
),

sites as (
    select * from intermediate.int_sites__matched
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
