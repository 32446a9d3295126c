/* VisionZip references (SPEC 1.1-1.4). */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ref_scores_attn_f32(int B, int N, int H, const float *attn, float *score)
{
    for (int b = 0; b < B; b++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int h = 0; h < H; h++)
                s += attn[((size_t)b * H + h) * N + j];
            score[(size_t)b * N + j] = s;
        }
}

static double dot_qk(const float *q, const float *k, int b, int i, int j, int h, int N, int H, int dh)
{
    const float *qa = q + (((size_t)b * N + i) * H + h) * dh, *ka = k + (((size_t)b * N + j) * H + h) * dh;
    double d = 0;
    for (int x = 0; x < dh; x++)
        d += (double)qa[x] * ka[x];
    return d;
}

void ref_scores(int mode, int B, int N, int H, int dh, float scale, const float *attn, const float *q, const float *k,
                float *score)
{
    ref_scores_cls(mode, B, N, H, dh, scale, 0, attn, q, k, score);
}

void ref_scores_cls(int mode, int B, int N, int H, int dh, float scale, int cls, const float *attn, const float *q,
                    const float *k, float *score)
{
    if (mode == 0) {
        ref_scores_attn_f32(B, N, H, attn, score);
        return;
    }
    double sc = scale != 0.0f ? scale : 1.0 / sqrt((double)dh);
    double *acc = calloc((size_t)N, sizeof(double));
    for (int b = 0; b < B; b++) {
        memset(acc, 0, sizeof(double) * N);
        int first = mode == 1 ? cls : 0, rows = mode == 1 ? cls + 1 : N;
        for (int h = 0; h < H; h++)
            for (int i = first; i < rows; i++) {
                /* log-sum-exp of the row, then the column contributions: no N x N buffer */
                double m = -INFINITY, s = 0;
                for (int j = 0; j < N; j++)
                    m = fmax(m, sc * dot_qk(q, k, b, i, j, h, N, H, dh));
                for (int j = 0; j < N; j++)
                    s += exp(sc * dot_qk(q, k, b, i, j, h, N, H, dh) - m);
                double lse = m + log(s);
                for (int j = 0; j < N; j++)
                    acc[j] += exp(sc * dot_qk(q, k, b, i, j, h, N, H, dh) - lse);
            }
        double f = mode == 1 ? 1.0 : 1.0 / ((double)H * N);
        for (int j = 0; j < N; j++)
            score[(size_t)b * N + j] = (float)(acc[j] * f);
    }
    free(acc);
}

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

int ref_merge(int B, int N, int D, int Dm, int R, int c, const float *hidden, const float *metric,
              const int32_t *rest_idx, float *contextual, int32_t *assign, int32_t *target_idx)
{
    if (c < 0 || c > R)
        return -1;
    if (c == 0)
        return 0;
    for (size_t i = 0; i < (size_t)B * R; i++)
        if (rest_idx[i] < 0 || rest_idx[i] >= N)
            return -1;
    int step = R / c > 1 ? R / c : 1;
    double *mn = malloc(sizeof(double) * (size_t)R * Dm), *acc = malloc(sizeof(double) * (size_t)c * D);
    int *slot = malloc(sizeof(int) * R), *count = malloc(sizeof(int) * c);
    for (int b = 0; b < B; b++) {
        const int32_t *ri = rest_idx + (size_t)b * R;
        for (int i = 0; i < R; i++) {
            const float *m = metric + ((size_t)b * N + ri[i]) * Dm;
            double nrm = 0;
            for (int d = 0; d < Dm; d++)
                nrm += (double)m[d] * m[d];
            nrm = sqrt(nrm);
            for (int d = 0; d < Dm; d++)
                mn[(size_t)i * Dm + d] = nrm > 0 ? m[d] / nrm : 0.0; /* a zero row stays zero */
            slot[i] = -1;
        }
        for (int t = 0; t < c; t++) {
            slot[t * step] = t;
            if (target_idx)
                target_idx[(size_t)b * c + t] = ri[t * step];
        }
        memset(acc, 0, sizeof(double) * (size_t)c * D);
        memset(count, 0, sizeof(int) * c);
        int src = 0;
        for (int i = 0; i < R; i++) {
            if (slot[i] >= 0)
                continue; /* a target */
            int best = 0;
            double bs = -INFINITY;
            for (int t = 0; t < c; t++) {
                double s = 0;
                for (int d = 0; d < Dm; d++)
                    s += mn[(size_t)i * Dm + d] * mn[(size_t)t * step * Dm + d];
                if (s > bs) { /* strict: ties keep the lowest target */
                    bs = s;
                    best = t;
                }
            }
            if (assign)
                assign[(size_t)b * (R - c) + src] = best;
            src++;
            count[best]++;
            const float *h = hidden + ((size_t)b * N + ri[i]) * D;
            for (int d = 0; d < D; d++)
                acc[(size_t)best * D + d] += h[d];
        }
        for (int t = 0; t < c; t++) {
            const float *h = hidden + ((size_t)b * N + ri[t * step]) * D;
            int cnt = count[t] > 1 ? count[t] : 1;
            for (int d = 0; d < D; d++)
                contextual[((size_t)b * c + t) * D + d] = (float)(h[d] + acc[(size_t)t * D + d] / cnt);
        }
    }
    free(mn); free(acc); free(slot); free(count);
    return 0;
}

int ref_visionzip(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int keep_cls, float scale,
                  const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                  float *out, int32_t *src_idx)
{
    return ref_visionzip_cls(mode, B, N, D, H, dh, Dm, k, c, keep_cls ? 0 : -1, scale, attn, q, k_, hidden, metric, out,
                             src_idx);
}

int ref_visionzip_cls(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int cls, float scale,
                      const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                      float *out, int32_t *src_idx)
{
    int keep_cls = cls >= 0;
    if (k < 0 || c < 0 || N < keep_cls || k + c > N - keep_cls || cls >= N)
        return -1;
    int nkeep = keep_cls + k, R = N - nkeep, rows = nkeep + c;
    float *score = malloc(sizeof(float) * (size_t)B * N), *dom = malloc(sizeof(float) * ((size_t)B * nkeep * D + 1));
    float *ctx = malloc(sizeof(float) * ((size_t)B * c * D + 1));
    int32_t *keep = malloc(4 * ((size_t)B * nkeep + 1)), *rest = malloc(4 * ((size_t)B * R + 1));
    int32_t *tgt = malloc(4 * ((size_t)B * c + 1));
    ref_scores_cls(mode, B, N, H, dh, scale, keep_cls ? cls : 0, attn, q, k_, score);
    int r = ref_select_cls(B, N, D, k, cls, score, hidden, keep, rest, dom);
    if (!r)
        r = ref_merge(B, N, D, Dm, R, c, hidden, metric, rest, ctx, NULL, tgt);
    for (int b = 0; !r && b < B; b++) {
        memcpy(out + (size_t)b * rows * D, dom + (size_t)b * nkeep * D, sizeof(float) * (size_t)nkeep * D);
        memcpy(out + ((size_t)b * rows + nkeep) * D, ctx + (size_t)b * c * D, sizeof(float) * (size_t)c * D);
        if (src_idx) {
            memcpy(src_idx + (size_t)b * rows, keep + (size_t)b * nkeep, 4 * (size_t)nkeep);
            memcpy(src_idx + (size_t)b * rows + nkeep, tgt + (size_t)b * c, 4 * (size_t)c);
        }
    }
    free(score); free(dom); free(ctx); free(keep); free(rest); free(tgt);
    return r;
}

void ref_token_split(int tokens, int keep_cls, int *dominant, int *contextual)
{
    int avail = tokens - keep_cls;
    if (avail <= 0) {
        *dominant = *contextual = 0;
        return;
    }
    int c = (tokens * 10 + 32) / 64; /* round(tokens / 6.4) */
    if (c > avail)
        c = avail;
    *contextual = c;
    *dominant = avail - c;
}
