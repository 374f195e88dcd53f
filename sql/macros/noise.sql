-- z scores for "is this difference within noise for its sample size?"; |z| < 1.96 is
-- within noise at the 95% level (two-sided). Null when there is nothing to compare.

-- Two proportions x1/n1 and x2/n2 (pooled two-proportion z-test): (p2 - p1) / the
-- standard error of the difference under "both are one rate". Null when an n is 0 or
-- the pooled rate is 0 or 1 (then both rates are equal).
create or replace temp macro rate_z_score(x1, n1, x2, n2) as (
    case
        when n1 > 0 and n2 > 0
            then
                (x2 / n2 - x1 / n1) / nullif(
                    sqrt(
                        ((x1 + x2) / (n1 + n2))
                        * (1 - (x1 + x2) / (n1 + n2))
                        * (1 / n1 + 1 / n2)
                    ),
                    0
                )
    end
);

-- Two counts c1 and c2 of the same thing (conditional test of two Poisson counts, normal
-- approximation): (c2 - c1) / sqrt(c1 + c2). Null when both are 0.
create or replace temp macro count_z_score(c1, c2) as (
    (c2 - c1) / nullif(sqrt(c1 + c2), 0)
);
