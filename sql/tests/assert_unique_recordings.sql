-- rows: recordings loaded twice (raw recordings are replaced per website and day, so the
-- same recording id under two days would be a duplicate); every vendor's recordings meet in
-- int_recordings__unioned. On an incremental build: the recordings of the rebuilt days, each
-- looked up among every day's.
{% if flags.FULL_REFRESH %}
    select
        vendor,
        website_id,
        recording_id,
        count(*) as copies
    from {{ ref('int_recordings__unioned') }}
    group by vendor, website_id, recording_id
    having count(*) > 1
{% else %}
    with

    checked as (
        select
            vendor,
            website_id,
            recording_id
        from {{ ref('int_recordings__unioned') }}
        where {{ pageflow_test_window('started_at') }} and {{ pageflow_test_days() }}
    )

    select
        vendor,
        website_id,
        recording_id,
        count(*) as copies
    from {{ ref('int_recordings__unioned') }}
    where (vendor, website_id, recording_id) in (select checked.* from checked)
    group by vendor, website_id, recording_id
    having count(*) > 1
{% endif %}
