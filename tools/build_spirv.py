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
