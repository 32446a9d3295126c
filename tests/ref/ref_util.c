#include "ref.h"

#include <math.h>

double ref_nmse(const float *got, const float *want, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]) && isfinite(want[i]))
            return INFINITY;
        if (isnan(got[i]) != isnan(want[i]))
            return INFINITY;
        if (isnan(want[i]) || (isinf(want[i]) && got[i] == want[i]))
            continue;
        double d = (double)got[i] - (double)want[i];
        num += d * d;
        den += (double)want[i] * want[i];
    }
    if (num == 0)
        return 0;
    return den > 0 ? num / den : INFINITY;
}

size_t ref_index_mismatches(const int32_t *got, const int32_t *want, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += got[i] != want[i];
    return m;
}

uint64_t ref_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float ref_rng_uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((ref_rng_next(s) >> 40) * (1.0 / 16777216.0));
}

float ref_rng_normal(uint64_t *s)
{
    double u = ((ref_rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double v = (ref_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}
