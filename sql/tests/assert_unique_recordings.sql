-- rows: recordings loaded twice (raw recordings are replaced per website and day, so the
-- same recording id under two days would be a duplicate); every vendor's recordings meet in
-- int_recordings__unioned. On an incremental build: the recordings of the rebuilt days, each
-- looked up among the recordings that started within two days of them (a restated start
-- moves a recording across midnight; a copy under any other day is deleted at the sync,
-- see pipelines/run/conflicts.py, and every full refresh checks all of them), so the
-- check reads what changed, not all history.
{% if flags.FULL_REFRESH %}
    -- every recording: grouped by a 64-bit hash of its key first (a string key per row
    -- does not fit the memory cap at 20M recordings), then the keys of repeated hashes
    with

    keyed as (
        select hash(vendor, website_id, recording_id) as key
        from {{ ref('int_recordings__unioned') }}
    ),

    repeated as (
        select key
        from keyed
        group by key
        having count(*) > 1
    )

    select
        vendor,
        website_id,
        recording_id,
        count(*) as copies
    from {{ ref('int_recordings__unioned') }}
    where hash(vendor, website_id, recording_id) in (select repeated.key from repeated)
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
    where
        {{ pageflow_test_window('started_at') }}
        and (vendor, website_id, recording_id) in (select checked.* from checked)
    group by vendor, website_id, recording_id
    having count(*) > 1
{% endif %}
