#!/usr/bin/env python3
"""The plugin's layers (plugin/README.md), checked on its objects with nm and
on the ops' includes:

  core < memory < device < registry < exec < api (the public table)

- no layer calls one above it (device -> registry, device -> exec, ...);
- nothing below the registry, nor the executor, refers to an op's objects
  (plugin/ops/<op>/); the registry refers only to the ops' vtc_op_<op>_def;
- an op calls of the layers below only what op.h declares;
- an op calls into another op's objects, and includes another op's
  headers, only through the shared kernels' declared headers (the kernel
  tier: KERNEL_H, from plugin/ops/meson.build).

Prints each offending reference; exits 1 on any.

usage: check_layers.py NM ARCHIVE OP_H KERNEL_H...
"""
import os, re, subprocess, sys

nm, archive, op_h = sys.argv[1:4]
kernel_headers = [os.path.realpath(h) for h in sys.argv[4:]]
ops_dir = os.path.join(os.path.dirname(os.path.realpath(op_h)), 'ops')
op_folders = sorted((d for d in os.listdir(ops_dir) if os.path.isdir(os.path.join(ops_dir, d))), key=len, reverse=True)

out = subprocess.run([nm, '-A', '--defined-only', archive], capture_output=True, text=True, check=True).stdout
und = subprocess.run([nm, '-A', '-u', archive], capture_output=True, text=True, check=True).stdout

def member(line):
    # "<archive>:<member>: ..." -> the object's file name
    return line.split(':')[1].rsplit('/', 1)[-1]

RANK = {'core': 0, 'memory': 1, 'device': 2, 'registry': 3, 'exec': 4, 'api': 5}

def layer(obj):
    if obj.startswith('ops_'):
        return 'op'
    for l in ('core', 'memory', 'device', 'exec'):
        if obj.startswith(l + '_'):
            return l
    if obj.startswith('registry'):
        return 'registry'
    if obj.startswith('api'):
        return 'api'
    return 'generated'

def op_of(obj):
    """The op folder of an op object ("ops_scores_scores.c.o" -> "scores"),
    None for the descriptor list (plugin/ops/op_desc.c)."""
    for f in op_folders:
        if obj.startswith('ops_' + f + '_'):
            return f
    return None

def declared(path):
    return set(re.findall(r'\b(vtc_[a-z0-9_]+)\s*\(', open(path).read()))

defined = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[-2] in 'TDRBtdrb' and parts[-2].isupper():
        defined[parts[-1]] = member(line)
allowed = declared(op_h)   # what op.h lets an op call below it
kernel_syms = {}           # op folder -> what its kernel header declares
for h in kernel_headers:
    kernel_syms.setdefault(os.path.basename(os.path.dirname(h)), set()).update(declared(h))

bad = 0
def violation(msg):
    global bad
    print(msg)
    bad += 1

for line in und.splitlines():
    parts = line.split()
    if not parts or ':' not in line:
        continue
    sym, user = parts[-1], member(line)
    owner = defined.get(sym)
    if owner is None:
        continue
    lu, lo = layer(user), layer(owner)
    if lu == 'generated' or lo == 'generated':
        continue
    if lu == 'op':
        uo, oo = op_of(user), op_of(owner)
        if lo == 'op':
            if uo and oo and uo != oo and sym not in kernel_syms.get(oo, ()):
                violation('%s (op %s) calls %s of the op %s (%s), which is not in its kernel header' %
                          (user, uo, sym, oo, owner))
        elif lo == 'api':
            violation('%s (op) calls %s of the public table (%s)' % (user, sym, owner))
        elif lo in ('device', 'registry', 'exec') and sym not in allowed:
            violation('%s (op) calls %s of the %s layer (%s), which op.h does not offer' % (user, sym, lo, owner))
        continue
    if lo == 'op':
        if lu in ('core', 'memory', 'device', 'exec'):
            violation('%s (%s) calls %s, defined in the op object %s' % (user, lu, sym, owner))
        elif lu == 'registry' and not re.fullmatch(r'vtc_op_[a-z0-9_]+_def', sym):
            violation('%s (registry) refers to %s of the op object %s; it knows ops by their vtc_op_<op>_def only' %
                      (user, sym, owner))
        continue
    if RANK[lu] < RANK[lo]:
        violation('%s (%s) calls %s, defined above it in %s (%s)' % (user, lu, sym, owner, lo))

# the ops' sources: another op's header only when it is a declared kernel header
nfiles = 0
for f in op_folders:
    d = os.path.join(ops_dir, f)
    for name in sorted(os.listdir(d)):
        if not name.endswith(('.c', '.h')):
            continue
        nfiles += 1
        path = os.path.join(d, name)
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', open(path).read(), re.M):
            target = os.path.realpath(os.path.join(d, inc))
            if not os.path.exists(target) or not target.startswith(ops_dir + os.sep):
                continue
            other = os.path.relpath(target, ops_dir).split(os.sep)[0]
            if other != f and other in op_folders and target not in kernel_headers:
                violation('plugin/ops/%s/%s includes %s of the op %s, not a declared kernel header' %
                          (f, name, inc, other))
print('layers: %d objects, %d op sources, %d kernel headers checked, %d violations' %
      (len(set(map(member, und.splitlines()))), nfiles, len(kernel_headers), bad))
sys.exit(1 if bad else 0)
