#version 450
// The example engine's own consumer: a one-layer projector y = x W + b,
// reading vtc's output buffer directly (no copy, no host round trip).
// One invocation per output element; the loop over D is short (D <= 4096),
// far below llvmpipe's 65535 back-edge limit.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };    // [rows][D], vtc's out
layout(std430, set = 0, binding = 1) readonly buffer W { float w[]; };    // [D][E]
layout(std430, set = 0, binding = 2) readonly buffer Bias { float b[]; }; // [E]
layout(std430, set = 0, binding = 3) writeonly buffer Y { float y[]; };   // [rows][E]
layout(push_constant) uniform P { uint rows; uint D; uint E; } p;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.rows * p.E)
        return;
    uint r = i / p.E, j = i % p.E;
    float acc = b[j];
    for (uint d = 0; d < p.D; d++)
        acc += x[r * p.D + d] * w[d * p.E + j];
    y[i] = acc;
}
