/* Embedding-only selection references (docs/prune.md), written from the
   papers: DivPrune (arXiv 2503.02175) and DART (arXiv 2502.11494) on the
   embeddings. Norms, dots and cosines in double. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pick_ctx {
    const uint8_t *follow;   /* the selection being judged, or NULL */
    double tol;
    int near_ties;
    int failed;
} pick_ctx;

/* 1 when a ranks above b: numbers above NaN, larger first. */
static int above(double a, double b)
{
    if (isnan(a))
        return 0;
    return isnan(b) || a > b;
}

/* argmax of v over avail, ties to the lower index. When judging `follow`,
   a followed candidate whose value is strictly below the maximum but within
   tol (relative) is taken instead: an fp32 kernel may legitimately order
   such near ties the other way. Exact ties never bend. */
static int pick(pick_ctx *pc, const double *v, const uint8_t *avail, int N)
{
    int best = -1;
    for (int j = 0; j < N; j++)
        if (avail[j] && (best < 0 || above(v[j], v[best])))
            best = j;
    if (best < 0 || !pc->follow || pc->follow[best])
        return best;
    double vm = v[best];
    for (int j = 0; j < N; j++) {
        if (!avail[j] || !pc->follow[j])
            continue;
        if (!isnan(vm) && !isnan(v[j]) && v[j] < vm && vm - v[j] <= pc->tol * (1.0 + fabs(vm))) {
            pc->near_ties++;
            return j;
        }
    }
    pc->failed = 1;
    return best;
}

/* d(i, j) = 1 - cos(i, j), as 1/2 ||x^_i - x^_j||^2 (the same number in exact arithmetic; duplicates give
   exactly 0); 1 when either row is zero (cosine 0). */
static double dist(const float *x, const double *nrm, int Dm, int i, int j)
{
    if (nrm[i] == 0 || nrm[j] == 0)
        return 1;
    double s = 0;
    for (int t = 0; t < Dm; t++) {
        double e = x[(size_t)i * Dm + t] / nrm[i] - x[(size_t)j * Dm + t] / nrm[j];
        s += e * e;
    }
    return 0.5 * s;
}

/* One image: kept[N] flags. */
static void select_one(int mode, int N, int Dm, int K, int P, const float *x, uint8_t *kept, pick_ctx *pc)
{
    double *nrm = malloc(sizeof(double) * N), *l1 = malloc(sizeof(double) * N), *v = malloc(sizeof(double) * N);
    uint8_t *avail = malloc((size_t)N);
    for (int i = 0; i < N; i++) {
        double s = 0, a = 0;
        for (int t = 0; t < Dm; t++) {
            double e = x[(size_t)i * Dm + t];
            s += e * e;
            a += fabs(e);
        }
        /* a squared norm that is not finite in fp32 counts as a zero row, as the kernels do */
        nrm[i] = (float)s > 0 && isfinite((float)s) ? sqrt(s) : 0;
        l1[i] = a;
        kept[i] = 0;
        avail[i] = 1;
    }
    if (mode == 0 && K > 0) {
        /* first pick: the token whose nearest neighbour (1 - cos) is farthest */
        for (int i = 0; i < N; i++) {
            double m = INFINITY;
            for (int j = 0; j < N; j++) {
                if (j == i)
                    continue;
                double d = dist(x, nrm, Dm, i, j);
                if (isnan(d) || d < m)
                    m = d;
                if (isnan(m))
                    break;
            }
            v[i] = m;
        }
        int s = pick(pc, v, avail, N);
        kept[s] = 1;
        avail[s] = 0;
        for (int i = 0; i < N; i++)
            v[i] = INFINITY;
        for (int t = 1; t < K; t++) {
            for (int i = 0; i < N; i++) {
                if (!avail[i] || isnan(v[i]))
                    continue;
                double d = dist(x, nrm, Dm, i, s);
                if (isnan(d) || d < v[i])
                    v[i] = d;
            }
            s = pick(pc, v, avail, N);
            kept[s] = 1;
            avail[s] = 0;
        }
    } else if (mode == 1 && K > 0) {
        int np = P < K ? P : K;
        /* pivots: highest L1 norm, taken one by one (ties lower, NaN last) */
        for (int i = 0; i < np; i++) {
            int s = pick(pc, l1, avail, N);
            kept[s] = 1;
            avail[s] = 0;
        }
        int *pv = malloc(sizeof(int) * np), n = 0;
        for (int i = 0; i < N; i++)
            if (kept[i])
                pv[n++] = i;
        int extra = K - np;
        for (int i = 0; i < np; i++) {
            int q = extra / np + (i < extra % np ? 1 : 0);
            for (int j = 0; j < N; j++)
                v[j] = dist(x, nrm, Dm, pv[i], j); /* least similar ranks highest */
            for (int r = 0; r < q; r++) {
                int s = pick(pc, v, avail, N);
                kept[s] = 1;
                avail[s] = 0;
            }
        }
        free(pv);
    }
    free(nrm); free(l1); free(v); free(avail);
}

int ref_prune(int mode, int B, int N, int D, int Dm, int K, int c, int P, const float *hidden, const float *metric,
              const int32_t *follow, double tol, int *near_ties, int32_t *keep_idx, float *out, int32_t *src_idx)
{
    if (mode < 0 || mode > 1 || K < 0 || c < 0 || K + c > N || N < 1)
        return -1;
    if (!metric) {
        metric = hidden;
        Dm = D;
    }
    if (P <= 0)
        P = 8;
    int rows = K + c, R = N - K;
    uint8_t *kept = malloc((size_t)N), *fol = follow ? malloc((size_t)N) : NULL;
    int32_t *rest = malloc(sizeof(int32_t) * (R ? R : 1)), *tgt = malloc(sizeof(int32_t) * (c ? c : 1));
    float *ctx = malloc(sizeof(float) * ((size_t)(c ? c : 1) * D));
    pick_ctx pc = {NULL, tol, 0, 0};
    int rc = 0;
    for (int b = 0; b < B && !rc; b++) {
        if (fol) {
            memset(fol, 0, (size_t)N);
            for (int i = 0; i < K; i++) {
                int32_t g = follow[(size_t)b * K + i];
                if (g >= 0 && g < N)
                    fol[g] = 1;
            }
            pc.follow = fol;
        }
        select_one(mode, N, Dm, K, P, metric + (size_t)b * N * Dm, kept, &pc);
        if (pc.failed) {
            rc = -2;
            break;
        }
        int nk = 0, nr = 0;
        for (int i = 0; i < N; i++) {
            if (kept[i]) {
                if (keep_idx)
                    keep_idx[(size_t)b * K + nk] = i;
                if (src_idx)
                    src_idx[(size_t)b * rows + nk] = i;
                if (out)
                    memcpy(out + ((size_t)b * rows + nk) * D, hidden + ((size_t)b * N + i) * D, sizeof(float) * D);
                nk++;
            } else {
                rest[nr++] = i;
            }
        }
        if (c > 0) {
            if (ref_merge(1, N, D, Dm, R, c, hidden + (size_t)b * N * D, metric + (size_t)b * N * Dm, rest, ctx, NULL,
                          tgt)) {
                rc = -1;
                break;
            }
            for (int i = 0; i < c; i++) {
                if (out)
                    memcpy(out + ((size_t)b * rows + K + i) * D, ctx + (size_t)i * D, sizeof(float) * D);
                if (src_idx)
                    src_idx[(size_t)b * rows + K + i] = tgt[i];
            }
        }
    }
    if (near_ties)
        *near_ties = pc.near_ties;
    free(kept); free(fol); free(rest); free(tgt); free(ctx);
    return rc;
}
