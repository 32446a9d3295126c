#!/usr/bin/env python3
"""By-hand check of composite attention at long contexts (too slow for CI):
runs `vtc run composite` on random q/k/v with a visual run in the middle and
compares with a float64 numpy reference. Needs numpy (Debian python3-numpy).

    /usr/bin/python3 tools/check_composite_long.py NK NQ [DH]   # e.g. 32768 64
    VTC_FORCE_GPU_VARIANTS=1 /usr/bin/python3 tools/check_composite_long.py 32768 64

Prints the NMSE and the number of output rows holding NaN; exits 1 above 1e-9.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
vtc = os.environ.get("VTC", os.path.join(root, "build", "host", "vtc"))
nk, nq = int(sys.argv[1]), int(sys.argv[2])
dh = int(sys.argv[3]) if len(sys.argv) > 3 else 64
B, Hq, Hkv = 1, 8, 8
rng = np.random.default_rng(4)
q = rng.standard_normal((B, nq, Hq, dh)).astype(np.float32)
k = rng.standard_normal((B, nk, Hkv, dh)).astype(np.float32)
v = rng.standard_normal((B, nk, Hkv, dh)).astype(np.float32)
kind = np.zeros((B, nk), np.uint8)
kind[:, nk // 30:nk // 2] = 1
with tempfile.TemporaryDirectory() as d:
    for name, a in (("q", q), ("k", k), ("v", v), ("kind", kind)):
        np.save(os.path.join(d, name + ".npy"), a)
    r = subprocess.run([vtc, "run", "composite", "--q", d + "/q.npy", "--k", d + "/k.npy", "--v", d + "/v.npy",
                        "--kind", d + "/kind.npy", "--out", d + "/o.npy"], capture_output=True, text=True)
    if r.returncode:
        sys.exit("vtc failed: " + r.stderr.strip())
    o = np.load(d + "/o.npy").astype(np.float64)
G = Hq // Hkv
want = np.zeros_like(o)
for i in range(nq):
    p = nk - nq + i
    for h in range(Hq):
        if kind[0, p]:
            want[0, i, h] = v[0, p, h // G]
            continue
        s = k[0, :p + 1, h // G].astype(np.float64) @ q[0, i, h].astype(np.float64) / np.sqrt(dh)
        w = np.exp(s - s.max())
        want[0, i, h] = (w / w.sum()) @ v[0, :p + 1, h // G]
nmse = ((o - want) ** 2).sum() / (want ** 2).sum()
print("Nk=%d Nq=%d dh=%d nmse=%.3g nan_rows=%d" % (nk, nq, dh, nmse, np.isnan(o).any(axis=-1).sum()))
sys.exit(0 if nmse <= 1e-9 else 1)
