#version 450
// vtc bench calibration: streaming copy, one vec4 (16 B) load and store per
// element, coalesced (element i + k*threads), so the device's memory system,
// not its arithmetic, sets the time. Bytes moved = 2 * n * 16.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(push_constant) uniform Push {
    uint n;        // vec4 elements
    uint per;      // elements per invocation (kept small: llvmpipe stops loops after 65535 back-edges)
    uint threads;  // invocations in the whole dispatch
    uint pad;
} pc;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    for (uint k = 0u; k < pc.per; k++, i += pc.threads)
        if (i < pc.n)
            dst[i] = src[i];
}
