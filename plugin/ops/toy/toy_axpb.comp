#version 450
#extension GL_GOOGLE_include_directive : require
// y[i] = a * x[i] + b, one element per invocation (fp32 maths in both storages).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer X { ELEM x[]; };
layout(std430, binding = 1) writeonly buffer Y { ELEM y[]; };
layout(push_constant) uniform P { uint n; float a; float b; } p;

void main() {
    uint i = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    y[i] = ELEM(p.a * float(x[i]) + p.b);
}
