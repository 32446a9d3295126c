#!/usr/bin/env python3
"""Portability suite: `vtc pipelines` on RADV's null device (AMD's production
compiler, ACO, with no AMD GPU) for several GPU generations and both wave
sizes. Fails when a pipeline fails to compile, when a pipeline selected for a
GPU device type spills registers (unless tests/portability/known_spills.txt
names it, which is printed loudly), or when a CPU-tuned kernel is selected on
a GPU. Prints per configuration the pipeline count and the largest VGPR, SGPR
and LDS figures, and a Markdown table for the README with --table.

usage: check.py VTC_EXE PLUGIN KNOWN_SPILLS [--table] [--out DIR]
"""
import json, os, subprocess, sys, tempfile

ICD = '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json'
# (label, RADV_FORCE_FAMILY, wave32). GCN (vega10, polaris10) has no wave32:
# its -wave32 run shows RADV_PERFTEST=cswave32 changes nothing there.
CONFIGS = [('vega10', 'vega10', False), ('vega10-wave32', 'vega10', True),
           ('navi10', 'navi10', False), ('navi10-wave32', 'navi10', True),
           ('navi21', 'navi21', False), ('navi21-wave32', 'navi21', True),
           ('gfx1100', 'gfx1100', False), ('gfx1100-wave32', 'gfx1100', True),
           ('polaris10', 'polaris10', False), ('polaris10-fallback', 'polaris10', False)]
# polaris10-fallback: fp16 storage and subgroup ops switched off, so the
# shared-memory (".sh") reduction variants a device without them gets compile
# on a production compiler too.
FALLBACK_ENV = {'VTC_DISABLE_F16': '1', 'VTC_DISABLE_SUBGROUP_OPS': '1'}


def load_allow(path):
    allow = {}
    for line in open(path):
        line = line.split('#', 1)[0].strip()
        if line:
            name, _, why = line.partition(' ')
            allow[name] = why.strip()
    return allow


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    table = '--table' in sys.argv
    out = None
    if '--out' in sys.argv:
        out = sys.argv[sys.argv.index('--out') + 1]
        args.remove(out)
    if len(args) != 3:
        print(__doc__)
        return 2
    exe, plugin, allow_path = args
    if not os.path.exists(ICD):
        print('SKIP - RADV is not installed (%s missing; Debian: mesa-vulkan-drivers)' % ICD)
        return 77
    allow = load_allow(allow_path)
    for name, why in sorted(allow.items()):
        print('!!! KNOWN SPILL ALLOWED: %s -- %s' % (name, why))
    tmp = out or tempfile.mkdtemp(prefix='vtc-portability-')
    os.makedirs(tmp, exist_ok=True)
    failures, rows = [], []
    for label, family, wave32 in CONFIGS:
        env = dict(os.environ, VK_ICD_FILENAMES=ICD, RADV_FORCE_FAMILY=family, VTC_PLUGIN_PATH=plugin)
        for k in ('VTC_FORCE_GPU_VARIANTS', 'VTC_DISABLE_F16', 'VTC_DISABLE_SUBGROUP_OPS', 'VTC_DEVICE',
                  'LP_NATIVE_VECTOR_WIDTH', 'VTC_VALIDATION'):
            env.pop(k, None)
        env.pop('RADV_PERFTEST', None)
        if wave32:
            env['RADV_PERFTEST'] = 'cswave32'
        if label.endswith('-fallback'):
            env.update(FALLBACK_ENV)
        if label == 'navi21':
            # a device that compiles but cannot execute still opens a context
            p = subprocess.run([exe, 'info'], env=env, capture_output=True, text=True)
            if p.returncode != 0 or 'chosen:' not in p.stdout:
                failures.append('%s: vtc info exited %d: %s' % (label, p.returncode, p.stderr.strip()[-400:]))
        jpath = os.path.join(tmp, label + '.json')
        p = subprocess.run([exe, 'pipelines', '--json', jpath], env=env, capture_output=True, text=True)
        with open(os.path.join(tmp, label + '.txt'), 'w') as f:
            f.write(p.stdout + p.stderr)
        if p.returncode != 0 or not os.path.exists(jpath):
            failures.append('%s: vtc pipelines exited %d: %s' % (label, p.returncode,
                                                                   (p.stderr or p.stdout).strip()[-400:]))
            rows.append((label, '-', 0, '-', '-', '-', '-', 'failed'))
            continue
        d = json.load(open(jpath))
        dev, pipes = d['device'], d['pipelines']
        gpu = dev.get('gpu', False)
        maxv = maxs = maxl = 0
        spills, nostats = [], []
        for pl in pipes:
            st = pl.get('statistics') or {}
            if not pl.get('compiled'):
                failures.append('%s: %s %s did not compile' % (label, pl['shader'], pl['variant']))
            if not st:
                nostats.append(pl['shader'])
                continue
            maxv = max(maxv, st.get('VGPRs', 0))
            maxs = max(maxs, st.get('SGPRs', 0))
            maxl = max(maxl, st.get('LDS size', 0))
            sp = st.get('Spilled VGPRs', 0) + st.get('Spilled SGPRs', 0)
            if sp and gpu:
                spills.append('%s %s rows=%s (VGPRs %s, spilled VGPRs %s, spilled SGPRs %s, scratch %s B)' % (
                    pl['shader'], pl['variant'], pl['specialization'][2:], st.get('VGPRs'),
                    st.get('Spilled VGPRs'), st.get('Spilled SGPRs'), st.get('Scratch size')))
            if gpu and pl['shader'].endswith('_cpu'):
                failures.append('%s: CPU-tuned kernel %s selected on a GPU device type' % (label, pl['shader']))
        if d.get('shapes_failed'):
            failures.append('%s: %d shapes failed to prepare' % (label, d['shapes_failed']))
        if nostats:
            failures.append('%s: the driver reported no statistics for %d pipelines' % (label, len(nostats)))
        for s in spills:
            name = s.split(' ', 1)[0]
            if name in allow:
                print('!!! %s: %s SPILLS (allowed by known_spills.txt: %s)' % (label, s, allow[name]))
            else:
                failures.append('%s: %s spills' % (label, s))
        rows.append((label, dev['name'], dev['subgroup_size'], ('yes' if dev.get('fp16_storage') else 'no') +
                     ('' if dev.get('subgroup_ops') else ', no subgroup ops'),
                     len(pipes), maxv, maxs, maxl, len(spills)))
        print('%-15s %-30s subgroup %-2d fp16 %-3s: %3d pipelines compiled, max VGPRs %3d, max SGPRs %3d, '
              'max LDS %5d B, %d spilling' % (label, dev['name'], dev['subgroup_size'], rows[-1][3], len(pipes),
                                              maxv, maxs, maxl, len(spills)))
    if table:
        print('\n| family | device | subgroup | fp16 storage | pipelines compiled | max VGPRs | max SGPRs | max LDS (B) | spilling |')
        print('|---|---|---|---|---|---|---|---|---|')
        for r in rows:
            print('| ' + ' | '.join(str(x) for x in r) + ' |')
    for f in failures:
        print('FAIL - ' + f)
    print('%s - portability (%d configurations, outputs in %s)' % ('FAIL' if failures else 'ok', len(CONFIGS), tmp))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
