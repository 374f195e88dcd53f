-- grain: one row per site, vendor, form_id, day
-- table: Form views, interactions, submissions and successes per form and day.
-- column views: Visits that showed the form (count; Mouseflow visits).
-- column interactions: Visits that interacted with the form (count).
-- column submissions: Visits that submitted it (count; Mouseflow submits).
-- column successes: Submissions the site accepted (count; Mouseflow success; PageSense
--   reports none: null).
-- column interaction_rate: interactions / views, a fraction 0..1 (null when views is 0).
--   Rounded to 6 decimals.
-- column submission_rate: submissions / views, a fraction 0..1 (null when views is 0).
--   Rounded to 6 decimals.
-- column success_rate: successes / views, a fraction 0..1 (null when views is 0 or
--   successes is null).
--   Rounded to 6 decimals.
with

forms as (
    select * from intermediate.int_forms__unioned
),

sites as (
    select * from intermediate.int_sites__matched
),

final as (
    select
        sites.site,
        forms.vendor,
        forms.website_id,
        forms.form_id,
        forms.form_name,
        forms.day,
        cast(forms.views as bigint) as views,
        cast(forms.interactions as bigint) as interactions,
        cast(forms.submissions as bigint) as submissions,
        cast(forms.successes as bigint) as successes,
        round(forms.interactions / nullif(forms.views, 0), 6) as interaction_rate,
        round(forms.submissions / nullif(forms.views, 0), 6) as submission_rate,
        round(forms.successes / nullif(forms.views, 0), 6) as success_rate,
        forms.day < sites.final_before as is_final,
        sites.tracked_by_both
    from forms
    inner join sites
        on forms.vendor = sites.vendor and forms.website_id = sites.website_id
)

select * from final
