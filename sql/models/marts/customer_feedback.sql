-- grain: one row per site, vendor, survey_id, day
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

poll_definitions as (
    select * from {{ ref('stg_pagesense__poll_definitions') }}
),

poll_responses as (
    select * from {{ ref('stg_pagesense__poll_responses') }}
),

mouseflow_feedback as (
    select * from {{ ref('stg_mouseflow__feedback') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

pagesense as (
    select
        poll_definitions.vendor,
        poll_definitions.website_id,
        poll_definitions.poll_id as survey_id,
        poll_definitions.poll_name as survey_name,
        poll_definitions.poll_type as survey_type,
        poll_responses.day,
        cast(null as bigint) as impressions,
        count(*) as responses,
        count_if(poll_responses.score >= 9) as promoters,
        count_if(poll_responses.score between 7 and 8) as passives,
        count_if(poll_responses.score <= 6) as detractors,
        count(poll_responses.score) as scored,
        avg(poll_responses.score) as mean_score
    from poll_responses
    inner join poll_definitions
        on
            poll_responses.website_id = poll_definitions.website_id
            and poll_responses.poll_id = poll_definitions.poll_id
    group by all
),

mouseflow as (
    select
        vendor,
        website_id,
        campaign_id as survey_id,
        campaign_name as survey_name,
        survey_type,
        day,
        impressions,
        responses,
        cast(null as bigint) as promoters,
        cast(null as bigint) as passives,
        cast(null as bigint) as detractors,
        cast(0 as bigint) as scored,
        cast(null as double) as mean_score
    from mouseflow_feedback
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
        unioned.survey_id,
        unioned.survey_name,
        unioned.survey_type,
        unioned.day,
        cast(unioned.impressions as bigint) as impressions,
        cast(unioned.responses as bigint) as responses,
        case
            when unioned.survey_type = 'nps' and unioned.scored > 0
                then cast(unioned.promoters as bigint)
        end as promoters,
        case
            when unioned.survey_type = 'nps' and unioned.scored > 0
                then cast(unioned.passives as bigint)
        end as passives,
        case
            when unioned.survey_type = 'nps' and unioned.scored > 0
                then cast(unioned.detractors as bigint)
        end as detractors,
        case
            when unioned.survey_type = 'nps' and unioned.scored > 0
                then round(
                    100.0 * (unioned.promoters - unioned.detractors) / unioned.scored, 1
                )
        end as nps,
        case
            when unioned.survey_type = 'rating' then round(unioned.mean_score, 2)
        end as average_score,
        unioned.day < sites.final_before as is_final,
        sites.tracked_by_both
    from unioned
    inner join sites
        on unioned.vendor = sites.vendor and unioned.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
