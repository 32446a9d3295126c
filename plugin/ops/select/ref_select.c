/* select reference (SPEC 1.2). */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a ranks before b: higher score, NaN below every number, ties to the lower index */
static int ranks_before(float sa, int ia, float sb, int ib)
{
    int na = isnan(sa), nb = isnan(sb);
    if (na != nb)
        return nb;
    if (!na && sa != sb)
        return sa > sb; /* -0 == +0: equal, falls to the index */
    return ia < ib;
}

int ref_select(int B, int N, int D, int k, int keep_cls, const float *score, const float *hidden, int32_t *keep_idx,
               int32_t *rest_idx, float *dominant)
{
    return ref_select_cls(B, N, D, k, keep_cls ? 0 : -1, score, hidden, keep_idx, rest_idx, dominant);
}

int ref_select_cls(int B, int N, int D, int k, int cls, const float *score, const float *hidden, int32_t *keep_idx,
                   int32_t *rest_idx, float *dominant)
{
    int keep_cls = cls >= 0;
    if (k < 0 || N < keep_cls || k > N - keep_cls || cls >= N)
        return -1;
    int nkeep = keep_cls + k, nrest = N - nkeep;
    char *kept = malloc((size_t)N + 1);
    for (int b = 0; b < B; b++) {
        const float *s = score + (size_t)b * N;
        memset(kept, 0, (size_t)N + 1);
        if (keep_cls)
            kept[cls] = 1;
        /* rank of j = number of competitors that rank before it; keep the first k */
        for (int j = 0; j < N; j++) {
            if (j == cls)
                continue;
            int rank = 0;
            for (int i = 0; i < N && rank < k; i++)
                if (i != j && i != cls && ranks_before(s[i], i, s[j], j))
                    rank++;
            if (rank < k)
                kept[j] = 1;
        }
        int a = 0, r = 0;
        for (int j = 0; j < N; j++) {
            if (kept[j]) {
                if (keep_idx)
                    keep_idx[(size_t)b * nkeep + a] = j;
                if (dominant && hidden)
                    memcpy(dominant + ((size_t)b * nkeep + a) * D, hidden + ((size_t)b * N + j) * D, sizeof(float) * D);
                a++;
            } else {
                if (rest_idx)
                    rest_idx[(size_t)b * nrest + r] = j;
                r++;
            }
        }
    }
    free(kept);
    return 0;
}

