-- rows: marts holding more (or fewer) facts than the staging rows they come from (the
-- rebuilt days on an incremental build, every day on a full one)
with

staged_recordings as (
    select
        vendor,
        count(*) as recordings
    from {{ ref('int_recordings__unioned') }}
    where {{ pageflow_test_window('started_at') }} and {{ pageflow_test_days() }}
    group by vendor
),

mart_sessions as (
    select
        vendor,
        sum(sessions) as recordings
    from {{ ref('session_conversion') }}
    where {{ pageflow_test_days() }}
    group by vendor
),

staged_steps as (
    select
        vendor,
        count(*) as steps
    from {{ ref('int_funnel_steps__unioned') }}
    where {{ pageflow_test_days() }}
    group by vendor
),

mart_steps as (
    select
        vendor,
        count(*) as steps
    from {{ ref('funnel_conversion') }}
    where {{ pageflow_test_days() }}
    group by vendor
),

staged_forms as (
    select
        vendor,
        count(*) as forms
    from {{ ref('int_forms__unioned') }}
    where {{ pageflow_test_days() }}
    group by vendor
),

mart_forms as (
    select
        vendor,
        count(*) as forms
    from {{ ref('form_conversion') }}
    where {{ pageflow_test_days() }}
    group by vendor
)

select
    'session_conversion' as mart,
    staged_recordings.vendor,
    staged_recordings.recordings as staged,
    mart_sessions.recordings as in_mart
from staged_recordings
left join mart_sessions on staged_recordings.vendor = mart_sessions.vendor
where mart_sessions.recordings is distinct from staged_recordings.recordings
union all
select
    'funnel_conversion' as mart,
    staged_steps.vendor,
    staged_steps.steps as staged,
    mart_steps.steps as in_mart
from staged_steps
left join mart_steps on staged_steps.vendor = mart_steps.vendor
where mart_steps.steps is distinct from staged_steps.steps
union all
select
    'form_conversion' as mart,
    staged_forms.vendor,
    staged_forms.forms as staged,
    mart_forms.forms as in_mart
from staged_forms
left join mart_forms on staged_forms.vendor = mart_forms.vendor
where mart_forms.forms is distinct from staged_forms.forms
