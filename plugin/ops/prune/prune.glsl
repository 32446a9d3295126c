// prune's distance, d(i, j) = 1/2 ||x_i/||x_i|| - x_j/||x_j|| ||^2 (= 1 - cos in
// exact arithmetic), summed term by term. Written as a squared difference of
// the normalised values, not as 1 - dot: duplicate rows are then at distance
// exactly 0 and every distance is >= 0, in any precision, so ties between
// duplicates are exact ties (to the lower index), not rounding noise.
// `precise` keeps the compiler from fusing x*ix - y into an fma, which would
// leave the rounding error of x*ix instead of 0 for equal rows.
float half_sq_diff(float x, float ix, float y) {
    precise float u = x * ix;
    precise float t = u - y;
    return t * t;
}

// Minimum over the NC partial nearest-neighbour distances of prune_nn
// (NaN-propagating, exact in any order).
#define PRUNE_NN_MIN(part, row, NC, out_m) { \
    out_m = part[(row) * (NC)]; \
    for (uint c_ = 1u; c_ < (NC); c_++) { float x_ = part[(row) * (NC) + c_]; if (isnan(x_) || x_ < out_m) out_m = x_; } }

// The same term on rows already normalised (prune_unit's xn = x * (1/||x||),
// a rounded fp32 product, exactly what half_sq_diff rounds x * ix to):
// (a - b)^2 with the difference rounded, so the kernels reading xn sum the
// very same numbers in the very same order as the ones reading x.
float sq_diff(float a, float b) {
    precise float t = a - b;
    return t * t;
}
