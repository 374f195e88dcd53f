-- rows: rates outside 0..1 (every rate is a fraction, never a percentage)
select
    'daily_traffic.bounce_rate' as rate,
    bounce_rate as rate_value
from {{ ref('daily_traffic') }}
where bounce_rate not between 0 and 1
union all
select
    'form_conversion.interaction_rate' as rate,
    interaction_rate as rate_value
from {{ ref('form_conversion') }}
where interaction_rate not between 0 and 1
union all
select
    'form_conversion.submission_rate' as rate,
    submission_rate as rate_value
from {{ ref('form_conversion') }}
where submission_rate not between 0 and 1
union all
select
    'form_conversion.success_rate' as rate,
    success_rate as rate_value
from {{ ref('form_conversion') }}
where success_rate not between 0 and 1
union all
select
    'session_conversion.conversion_rate' as rate,
    conversion_rate as rate_value
from {{ ref('session_conversion') }}
where conversion_rate not between 0 and 1
union all
select
    'funnel_conversion.conversion_from_start' as rate,
    conversion_from_start as rate_value
from {{ ref('funnel_conversion') }}
where conversion_from_start not between 0 and 1
union all
select
    'funnel_conversion.conversion_from_previous' as rate,
    conversion_from_previous as rate_value
from {{ ref('funnel_conversion') }}
where conversion_from_previous not between 0 and 1
