-- rows: mart rows whose `site` is not one of `sites` (dbt's `relationships`, one query for
-- every mart instead of a test per mart: each test is a catalog round trip on the lake)
{%- for mart in pageflow_marts() if mart != 'sites' %}
    {%- if not loop.first %}
        union all
    {%- endif %}
    select
        '{{ mart }}' as mart,
        site
    from {{ ref(mart) }}
    where site is not null and site not in (select known.site from {{ ref('sites') }} as known)
{%- endfor %}
