{#- A mart's grain holds: no two rows share the grain's columns (a generic test: the
    rows it returns break it). Nulls count as values: a grain column that may be null
    (country_code) still identifies one row. -#}
{% test unique_grain(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as copies
    from {{ model }}
    group by all
    having count(*) > 1
{% endtest %}
