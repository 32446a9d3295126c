#!/usr/bin/env python3
"""Embed the SPIR-V builds of every kernel and describe them to the C code.

usage: embed_spirv.py OUT_H OUT_C SPV...   (each SPV named <shader>.<f32|f16>.<sh|sg>.spv)

OUT_H (vtc_kernels.h) gives every shader an enumerator, VTC_K_<shader>, and
its push-constant block size as a constant expression, VTC_KERNEL_PUSH_BYTES(k),
so a dispatch names its kernel by identity (a typo does not compile) and the
C struct it pushes is checked against what the shader reads (op.h).
OUT_C holds the words and, per kernel, the build serving each variant request
(f32/f16 storage x shared-memory/subgroup reductions). A shader built only as
'.sh' has no subgroup code (build_spirv.py --no-subgroup checked that), so
its one build serves subgroup requests too; a dtype not built stays NULL and
vtc_dispatch refuses it in the prepare pass.

The push block size comes from the module itself, not from the GLSL source:
the OpVariable in the PushConstant storage class, its struct type, and the
Offset decorations and type sizes of the members. So do the binding count
(VTC_KERNEL_BINDINGS(k): the highest Binding decoration + 1, which vtc_dispatch
checks against the buffers a call binds) and the ids of the specialisation
constants the host sets (VTC_KSPEC_<shader>_<NAME>, from each SpecId and its
OpName; ids 0 and 1, the subgroup size and local_size_x, are vtc_dispatch's
own; VTC_KERNEL_SPEC_COUNT(k) is the number of ids from 2 on), so the host
fills `spec` by name rather than by a position copied from the GLSL.
Bindings declared as a samplerBuffer (an OpTypeSampledImage of a Buffer-dim
image) are uniform texel buffers: their bits in the kernel's texel_mask tell
the pipeline layout and the dispatch to bind a VkBufferView there; any other
image or sampler is refused.
"""
import os, struct, sys

OP_NAME, OP_DECORATE, OP_MEMBER_DECORATE = 5, 71, 72
DEC_SPEC_ID, DEC_BINDING = 1, 33
OP_TYPE_INT, OP_TYPE_FLOAT, OP_TYPE_VECTOR, OP_TYPE_MATRIX = 21, 22, 23, 24
OP_TYPE_IMAGE, OP_TYPE_SAMPLER, OP_TYPE_SAMPLED_IMAGE = 25, 26, 27
DIM_BUFFER = 5
OP_TYPE_ARRAY, OP_TYPE_STRUCT, OP_TYPE_POINTER, OP_CONSTANT, OP_VARIABLE = 28, 30, 32, 43, 59
DEC_ARRAY_STRIDE, DEC_MATRIX_STRIDE, DEC_OFFSET = 6, 7, 35
SC_PUSH_CONSTANT = 9
DTYPES, REDUCTIONS = ('f32', 'f16'), ('sh', 'sg')


def push_block_bytes(words, path):
    """Bytes the module's push-constant block spans (0 without one)."""
    types, consts, ptrs, stride, offsets, mstride = {}, {}, {}, {}, {}, {}
    pc_vars = []
    i = 5
    while i < len(words):
        n, op = words[i] >> 16, words[i] & 0xffff
        if n == 0:
            sys.exit('%s: malformed SPIR-V (zero-length instruction)' % path)
        a = words[i + 1:i + n]
        if op == OP_DECORATE and a[1] == DEC_ARRAY_STRIDE:
            stride[a[0]] = a[2]
        elif op == OP_MEMBER_DECORATE and a[2] == DEC_OFFSET:
            offsets[(a[0], a[1])] = a[3]
        elif op == OP_MEMBER_DECORATE and a[2] == DEC_MATRIX_STRIDE:
            mstride[(a[0], a[1])] = a[3]
        elif op in (OP_TYPE_INT, OP_TYPE_FLOAT):
            types[a[0]] = ('scalar', a[1] // 8)
        elif op == OP_TYPE_VECTOR:
            types[a[0]] = ('vector', a[1], a[2])
        elif op == OP_TYPE_MATRIX:
            types[a[0]] = ('matrix', a[1], a[2])
        elif op == OP_TYPE_ARRAY:
            types[a[0]] = ('array', a[1], a[2])
        elif op == OP_TYPE_STRUCT:
            types[a[0]] = ('struct', list(a[1:]))
        elif op == OP_CONSTANT:
            consts[a[1]] = a[2]
        elif op == OP_TYPE_POINTER:
            ptrs[a[0]] = (a[1], a[2])
        elif op == OP_VARIABLE and a[2] == SC_PUSH_CONSTANT:
            pc_vars.append(a[0])
        i += n

    def size(t, mat_stride=None):
        d = types.get(t)
        if d is None:
            sys.exit('%s: push block uses a type this reflection does not know (id %d)' % (path, t))
        if d[0] == 'scalar':
            return d[1]
        if d[0] == 'vector':
            return d[2] * size(d[1])
        if d[0] == 'matrix':
            if mat_stride is None:
                sys.exit('%s: push block matrix without MatrixStride' % path)
            return d[2] * mat_stride
        if d[0] == 'array':
            if d[1] not in types or d[2] not in consts or t not in stride:
                sys.exit('%s: push block array without a constant length and ArrayStride' % path)
            return consts[d[2]] * stride[t]
        end = 0
        for m, mt in enumerate(d[1]):
            if (t, m) not in offsets:
                sys.exit('%s: push block member %d has no Offset' % (path, m))
            end = max(end, offsets[(t, m)] + size(mt, mstride.get((t, m))))
        return end

    if len(pc_vars) > 1:
        sys.exit('%s: more than one push-constant variable' % path)
    if not pc_vars:
        return 0
    sc, t = ptrs[pc_vars[0]]
    if types.get(t, ('',))[0] != 'struct':
        sys.exit('%s: the push-constant variable is not a block' % path)
    return size(t)


def bindings_and_specs(words, path):
    """(highest Binding + 1, {spec id: name}, texel mask) of the module."""
    names, spec_ids, binds = {}, {}, []
    var_binding, images, sampled, ptrs, var_type = {}, {}, {}, {}, {}
    i = 5
    while i < len(words):
        n, op = words[i] >> 16, words[i] & 0xffff
        a = words[i + 1:i + n]
        if op == OP_NAME:
            raw = struct.pack('<%dI' % (len(a) - 1), *a[1:])
            names[a[0]] = raw.split(b'\0', 1)[0].decode()
        elif op == OP_DECORATE and a[1] == DEC_SPEC_ID:
            spec_ids[a[0]] = a[2]
        elif op == OP_DECORATE and a[1] == DEC_BINDING:
            binds.append(a[2])
            var_binding[a[0]] = a[2]
        elif op == OP_TYPE_IMAGE:
            images[a[0]] = (a[2], a[6])  # Dim, Sampled
        elif op == OP_TYPE_SAMPLER:
            images[a[0]] = (None, None)
        elif op == OP_TYPE_SAMPLED_IMAGE:
            sampled[a[0]] = a[1]
        elif op == OP_TYPE_POINTER:
            ptrs[a[0]] = a[2]
        elif op == OP_VARIABLE:
            var_type[a[1]] = ptrs.get(a[0])
        i += n
    texel = 0
    for var, b in var_binding.items():
        t = var_type.get(var)
        if t in images:
            sys.exit('%s: binding %d is an image or sampler; kernels bind buffers and samplerBuffers only' % (path, b))
        if t in sampled:
            if images.get(sampled[t]) != (DIM_BUFFER, 1):
                sys.exit('%s: binding %d: a sampled image that is not a samplerBuffer' % (path, b))
            texel |= 1 << b
    specs = {}
    for var, sid in spec_ids.items():
        if sid < 2:
            continue
        nm = names.get(var, '')
        if not nm.isidentifier():
            sys.exit('%s: specialisation constant %d has no usable name (%r)' % (path, sid, nm))
        specs[sid] = nm
    return (max(binds) + 1 if binds else 0), specs, texel


def main():
    out_h, out_c, inputs = sys.argv[1], sys.argv[2], sorted(sys.argv[3:], key=os.path.basename)
    kernels = {}  # shader -> {(dtype, reduction): (blob index, name)}
    push = {}
    nbind, specs, texel = {}, {}, {}
    blobs = []
    for path in inputs:
        name = os.path.basename(path)[:-len('.spv')]
        parts = name.split('.')
        if len(parts) != 3 or parts[1] not in DTYPES or parts[2] not in REDUCTIONS:
            sys.exit('%s: not named <shader>.<f32|f16>.<sh|sg>.spv' % path)
        data = open(path, 'rb').read()
        if len(data) % 4 or len(data) < 20 or struct.unpack('<I', data[:4])[0] != 0x07230203:
            sys.exit('%s: not a SPIR-V module' % path)
        words = struct.unpack('<%dI' % (len(data) // 4), data)
        pb = push_block_bytes(words, path)
        shader = parts[0]
        if push.setdefault(shader, pb) != pb:
            sys.exit('%s: push block of %d bytes, other builds of %s have %d' % (path, pb, shader, push[shader]))
        if pb > 128:
            sys.exit('%s: push block of %d bytes exceeds the 128 every layout reserves' % (path, pb))
        nb, sp, tm = bindings_and_specs(words, path)
        texel[shader] = texel.get(shader, 0) | tm
        # the optimiser may drop a binding or a constant one build does not
        # use; the kernel's are those of all its builds together
        nbind[shader] = max(nbind.get(shader, 0), nb)
        for sid, nm in sp.items():
            if specs.setdefault(shader, {}).setdefault(sid, nm) != nm:
                sys.exit('%s: specialisation constant %d is %s here, %s in other builds' %
                         (path, sid, nm, specs[shader][sid]))
        kernels.setdefault(shader, {})[(parts[1], parts[2])] = len(blobs)
        blobs.append((name, words))

    names = sorted(kernels)
    table = []
    for k in names:
        v = kernels[k]
        slots = []
        for dt in DTYPES:
            for red in REDUCTIONS:
                if (dt, red) in v:
                    slots.append(v[(dt, red)])
                elif red == 'sg' and (dt, 'sh') in v and not any(r == 'sg' for _, r in v):
                    slots.append(v[(dt, 'sh')])  # no subgroup code: the one build serves both
                elif red == 'sg' and (dt, 'sh') in v:
                    sys.exit('%s: built with subgroups for one dtype but not for %s' % (k, dt))
                else:
                    slots.append(None)
            if (dt, 'sg') in v and (dt, 'sh') not in v:
                sys.exit('%s.%s: a subgroup build needs its shared-memory fallback' % (k, dt))
        table.append((k, slots))

    h = ['/* Generated by tools/embed_spirv.py from the shaders the ops declare. Do not edit. */',
         '#ifndef VTC_KERNELS_H', '#define VTC_KERNELS_H', '',
         '/* One per shader: what vtc_dispatch takes. */',
         'typedef enum vtc_kernel {']
    h += ['    VTC_K_%s,' % k for k in names]
    h += ['    VTC_KERNEL_COUNT', '} vtc_kernel;', '',
          '#define VTC_SPIRV_BLOB_COUNT %d' % len(blobs), '',
          '/* Bytes of kernel k\'s push-constant block, from its SPIR-V: an integer',
          '   constant expression when k is one (0 for an unknown k). */',
          '#define VTC_KERNEL_PUSH_BYTES(k) ( \\']
    h += ['    (k) == VTC_K_%s ? %du : \\' % (k, push[k]) for k in names]
    h += ['    0u)', '',
          '/* Storage buffers kernel k binds (its highest binding + 1), from its SPIR-V. */',
          '#define VTC_KERNEL_BINDINGS(k) ( \\']
    h += ['    (k) == VTC_K_%s ? %du : \\' % (k, nbind[k]) for k in names]
    h += ['    0u)', '',
          '/* Specialisation constants the host sets (ids 2 on): their count, and',
          '   each one\'s id by its GLSL name. spec[] of vtc_dispatch holds ids 2, 3, ...,',
          '   so a constant goes to spec[VTC_KSPEC_<shader>_<NAME> - 2]. */',
          '#define VTC_KERNEL_SPEC_COUNT(k) ( \\']
    h += ['    (k) == VTC_K_%s ? %du : \\' % (k, (max(specs[k]) - 1) if specs.get(k) else 0) for k in names]
    h += ['    0u)', '', 'enum {']
    for k in names:
        for sid, nm in sorted(specs.get(k, {}).items()):
            h.append('    VTC_KSPEC_%s_%s = %d,' % (k, nm, sid))
    h += ['    VTC_KSPEC_END_', '};', '', '#endif']

    c = ['/* Generated by tools/embed_spirv.py. Do not edit. */',
         '#include <stddef.h>', '#include <stdint.h>', '#include "spirv_blobs.h"', '']
    for i, (name, words) in enumerate(blobs):
        c.append('static const uint32_t words_%d[%d] = {' % (i, len(words)))
        for j in range(0, len(words), 8):
            c.append('    ' + ', '.join('0x%08xu' % w for w in words[j:j + 8]) + ',')
        c.append('};')
    c.append('const vtc_spirv_blob vtc_spirv_blobs[VTC_SPIRV_BLOB_COUNT] = {')
    c += ['    {"%s", words_%d, %d},' % (name, i, len(words)) for i, (name, words) in enumerate(blobs)]
    c.append('};')
    c.append('const vtc_kernel_def vtc_kernel_defs[VTC_KERNEL_COUNT] = {')
    for k, slots in table:
        s = ', '.join('&vtc_spirv_blobs[%d]' % x if x is not None else 'NULL' for x in slots)
        c.append('    [VTC_K_%s] = {"%s", %du, {%s}, 0x%xu},' % (k, k, push[k], s, texel[k]))
    c.append('};')
    open(out_h, 'w').write('\n'.join(h) + '\n')
    open(out_c, 'w').write('\n'.join(c) + '\n')


main()
