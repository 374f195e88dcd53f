{#- z scores for "is this difference within noise for its sample size?"; |z| < 1.96 is
    within noise at the 95% level (two-sided). Null when there is nothing to compare.
    Each macro takes SQL expressions (as strings) and writes one expression. -#}

{#- Two proportions x1/n1 and x2/n2 (pooled two-proportion z-test): (p2 - p1) / the
    standard error of the difference under "both are one rate". Null when an n is 0 or
    the pooled rate is 0 or 1 (then both rates are equal), or outside 0..1 (counts that
    break a SQL test: DuckDB 1.5 raises on the square root of a negative number). -#}
{% macro rate_z_score(x1, n1, x2, n2) -%}
    case
        when ({{ n1 }}) > 0 and ({{ n2 }}) > 0
            then
                (({{ x2 }}) / ({{ n2 }}) - ({{ x1 }}) / ({{ n1 }})) / nullif(
                    sqrt(
                        greatest(
                            ((({{ x1 }}) + ({{ x2 }})) / (({{ n1 }}) + ({{ n2 }})))
                            * (1 - (({{ x1 }}) + ({{ x2 }})) / (({{ n1 }}) + ({{ n2 }})))
                            * (1 / ({{ n1 }}) + 1 / ({{ n2 }})),
                            0
                        )
                    ),
                    0
                )
    end
{%- endmacro %}

{#- Two counts c1 and c2 of the same thing (conditional test of two Poisson counts, normal
    approximation): (c2 - c1) / sqrt(c1 + c2). Null when both are 0. -#}
{% macro count_z_score(c1, c2) -%}
    (({{ c2 }}) - ({{ c1 }})) / nullif(sqrt(greatest(({{ c1 }}) + ({{ c2 }}), 0)), 0)
{%- endmacro %}

{#- One side's value of a comparison metric: a count as it is, a rate as numerator over
    denominator (null when the denominator is 0). vendor_comparison and its periods share
    it. -#}
{% macro comparison_value(metric, numerator, denominator) -%}
    case
        when ({{ metric }}) in ('sessions', 'page_views') then cast({{ numerator }} as double)
        else ({{ numerator }}) / nullif({{ denominator }}, 0)
    end
{%- endmacro %}

{#- The z score of a comparison metric: two Poisson counts for counts, the pooled
    two-proportion test for rates. -#}
{% macro comparison_z(metric, x1, n1, x2, n2) -%}
    case
        when ({{ metric }}) in ('sessions', 'page_views') then {{ count_z_score(x1, x2) }}
        else {{ rate_z_score(x1, n1, x2, n2) }}
    end
{%- endmacro %}

{#- Within noise: |z| < 1.96, or both sides equal (z null); null when a side has no
    value. -#}
{% macro is_within_noise(value1, value2, z) -%}
    case
        when ({{ value1 }}) is null or ({{ value2 }}) is null then null
        else coalesce(abs({{ z }}) < 1.96, true)
    end
{%- endmacro %}
