#!/usr/bin/env python3
"""The plugin's layers, checked on its objects with nm: nothing in the core,
memory, device layer, registry or public table calls into an op
(plugin/ops/<op>/), and an op reaches nothing of the device layer beyond
what op.h declares. Prints each offending reference; exits 1 on any.

usage: check_layers.py NM ARCHIVE OP_H
"""
import re, subprocess, sys

nm, archive, op_h = sys.argv[1:4]
out = subprocess.run([nm, '-A', '--defined-only', archive], capture_output=True, text=True, check=True).stdout
und = subprocess.run([nm, '-A', '-u', archive], capture_output=True, text=True, check=True).stdout

def member(line):
    # "<archive>:<member>: ..." -> the object's file name
    return line.split(':')[1].rsplit('/', 1)[-1]

def layer(obj):
    if obj.startswith('ops_'):
        return 'op'
    for l in ('core', 'memory', 'device'):
        if obj.startswith(l + '_'):
            return l
    if obj.startswith(('registry', 'api')):
        return 'top'
    return 'generated'

defined = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[-2] in 'TDRBtdrb' and parts[-2].isupper():
        defined[parts[-1]] = member(line)
# what op.h lets an op call in the device layer
allowed = set(re.findall(r'\b(vtc_[a-z0-9_]+)\s*\(', open(op_h).read()))

bad = 0
for line in und.splitlines():
    parts = line.split()
    if not parts or ':' not in line:
        continue
    sym, user = parts[-1], member(line)
    owner = defined.get(sym)
    if owner is None:
        continue
    lu, lo = layer(user), layer(owner)
    if lu in ('core', 'memory', 'device') and lo == 'op':
        print('%s (%s) calls %s, defined in the op object %s' % (user, lu, sym, owner)); bad += 1
    if lu == 'core' and lo in ('memory', 'device', 'top'):
        print('%s (core) calls %s, defined above it in %s' % (user, sym, owner)); bad += 1
    if lu == 'memory' and lo in ('device', 'top'):
        print('%s (memory) calls %s, defined above it in %s' % (user, sym, owner)); bad += 1
    if lu == 'op' and lo == 'device' and sym not in allowed:
        print('%s (op) calls %s of the device layer (%s), which op.h does not offer' % (user, sym, owner)); bad += 1
print('layers: %d objects checked, %d violations' % (len(set(map(member, und.splitlines()))), bad))
sys.exit(1 if bad else 0)
