// scale * q[b][i][h] . k[b][j][h] for [B][N][H][dh] tensors Q and K.
// One expression shared by every QK kernel so they all see identical logits.
// Unrolled by 4: lavapipe limits an invocation to 65535 loop iterations in
// total, and this keeps long key loops well inside it.
float qk_logit(uint b, uint i, uint j, uint h, uint N, uint H, uint dh, float scale) {
    uint qb = ((b * N + i) * H + h) * dh, kb = ((b * N + j) * H + h) * dh;
    float acc = 0.0;
    uint d = 0u;
    for (; d + 4u <= dh; d += 4u) {
        acc += float(q[qb + d]) * float(k[kb + d]) + float(q[qb + d + 1u]) * float(k[kb + d + 1u]) +
               float(q[qb + d + 2u]) * float(k[kb + d + 2u]) + float(q[qb + d + 3u]) * float(k[kb + d + 3u]);
    }
    for (; d < dh; d++) acc += float(q[qb + d]) * float(k[kb + d]);
    return acc * scale;
}
