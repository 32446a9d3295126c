#!/usr/bin/env python3
"""Compile one GLSL compute shader variant: glslang -> spirv-opt -O -> spirv-val.

Any failure (compile, optimise, validate) exits non-zero and fails the build.
"""
import argparse, os, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument('--glslang', required=True)
ap.add_argument('--opt', required=True)
ap.add_argument('--val', required=True)
ap.add_argument('--dtype', choices=['f32', 'f16'], required=True)
ap.add_argument('--reduce', choices=['sh', 'sg'], required=True)
ap.add_argument('--no-subgroup', action='store_true',
                help='the shader declares one reduction build: fail unless its code ignores USE_SUBGROUP')
ap.add_argument('-I', dest='inc', action='append', default=[])
ap.add_argument('src')
ap.add_argument('out')
a = ap.parse_args()

defs = []
if a.dtype == 'f16':
    defs.append('-DSTORAGE_F16=1')
if a.reduce == 'sg':
    defs.append('-DUSE_SUBGROUP=1')

def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(' '.join(cmd) + '\n' + r.stdout)
        sys.exit(1)

def preprocess(extra):
    r = subprocess.run([a.glslang, '-E', '-S', 'comp'] + defs + extra + ['-I' + i for i in a.inc] + [a.src],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        sys.exit(1)
    # common.glsl enables the subgroup extensions under USE_SUBGROUP; enabling
    # them changes no code, so they do not count as using subgroups
    return [l if not l.startswith('#extension GL_KHR_shader_subgroup') else '' for l in r.stdout.splitlines()]

if a.no_subgroup:
    # The one '.sh' build also serves devices with subgroup operations, which
    # is only the same kernel when USE_SUBGROUP changes nothing in the source.
    if a.reduce != 'sh':
        sys.exit('%s: --no-subgroup builds the shared-memory variant' % a.src)
    if preprocess([]) != preprocess(['-DUSE_SUBGROUP=1']):
        sys.exit('%s: its code depends on USE_SUBGROUP, so it needs both reductions (sh, sg) in its '
                 "op's meson.build" % a.src)

with tempfile.TemporaryDirectory() as td:
    raw = os.path.join(td, 'raw.spv')
    # Vulkan 1.1 / SPIR-V 1.3: the floor vtc supports (subgroup ops are core there).
    run([a.glslang, '-V', '--target-env', 'vulkan1.1', '-S', 'comp'] + defs +
        ['-I' + i for i in a.inc] + ['-o', raw, a.src])
    opt = os.path.join(td, 'opt.spv')
    run([a.opt, '-O', '--target-env=vulkan1.1', raw, '-o', opt])
    run([a.val, '--target-env', 'vulkan1.1', opt])
    with open(opt, 'rb') as f, open(a.out, 'wb') as g:
        g.write(f.read())
