#!/usr/bin/env bash
# The vtc tool as a person uses it: help, info, the demo, ops on .npy files,
# and clear errors (never a crash) for bad input.
set -u
vtc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
ok()   { echo "ok - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
# the pipeline cache goes under $tmp, never into the real home
export XDG_CACHE_HOME="$tmp/xdg"
cache="$XDG_CACHE_HOME/vtc/pipelines.bin"
expect_rc() { # name want_rc cmd...
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ $rc -eq "$want" ]; then ok "$name"; else fail "$name (exit $rc, expected $want): $(head -c 400 "$tmp/err")"; fi
}
# A small .npy writer (standard library only: numpy is not required).
npy() { # file dtype(f4|i4|f2) shape(python tuple) python-expr-for-flat-list
  python3 - "$@" <<'PY'
import struct, sys
path, dt, shape, expr = sys.argv[1:5]
shape = eval(shape); data = eval(expr)
hdr = "{'descr': '<%s', 'fortran_order': False, 'shape': %s, }" % (dt, repr(tuple(shape)))
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
fmt = {'f4': 'f', 'i4': 'i', 'f2': 'e', 'u1': 'B'}[dt]
if dt == 'u1': hdr = hdr.replace("'<u1'", "'|u1'")
with open(path, 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(struct.pack('<%d%s' % (len(data), fmt), *data))
PY
}

expect_rc "help_exits_zero" 0 "$vtc" --help
grep -q "conformance" "$tmp/out" && ok "help_lists_commands" || fail "help_lists_commands"
expect_rc "unknown_command_is_usage_error" 2 "$vtc" frobnicate
for op in scores select merge visionzip compress composite prune toy; do
  expect_rc "run_${op}_help" 0 "$vtc" run $op --help
  grep -q "usage: vtc run $op" "$tmp/out" && ok "run_${op}_help_shows_usage" || fail "run_${op}_help_shows_usage"
done
expect_rc "conformance_help" 0 "$vtc" conformance --help
expect_rc "conformance_filter_matching_nothing_fails" 1 "$vtc" conformance --op nosuchop
expect_rc "conformance_validation_flag_is_accepted_and_clean" 0 "$vtc" conformance --validation --quick --op api
expect_rc "conformance_validation_gpu_is_accepted_and_clean" 0 "$vtc" conformance --validation=gpu --quick --op api
expect_rc "conformance_validation_bad_mode_is_usage_error" 2 "$vtc" conformance --validation=fast --op api
expect_rc "info_lists_devices" 0 "$vtc" info
grep -q "chosen:" "$tmp/out" && ok "info_names_chosen_device" || fail "info_names_chosen_device"

# scores -> select on a tiny hand-made input: 1 image, 2 heads, 6 tokens, CLS + top 2
npy "$tmp/attn.npy" f4 "(1,2,6)" "[0.1,0.3,0.05,0.2,0.25,0.1, 0.1,0.3,0.05,0.3,0.15,0.1]"
npy "$tmp/hidden.npy" f4 "(1,6,2)" "[float(i) for i in range(12)]"
expect_rc "run_scores_attn_cls" 0 "$vtc" run scores --attn "$tmp/attn.npy" --out "$tmp/s.npy"
npy "$tmp/qk.npy" f4 "(1,6,2,4)" "[0.1 * i for i in range(48)]"
expect_rc "run_scores_q_k_default_to_qk_cls" 0 "$vtc" run scores --q "$tmp/qk.npy" --k "$tmp/qk.npy" --out "$tmp/sq.npy"
expect_rc "run_scores_qk_cls_named" 0 "$vtc" run scores --q "$tmp/qk.npy" --k "$tmp/qk.npy" --mode qk_cls --score "$tmp/sq2.npy"
cmp -s "$tmp/sq.npy" "$tmp/sq2.npy" && ok "run_scores_default_mode_is_qk_cls" || fail "run_scores_default_mode_is_qk_cls"
expect_rc "run_select_writes_outputs" 0 "$vtc" run select --scores "$tmp/s.npy" --hidden "$tmp/hidden.npy" \
  --dominant 2 --out "$tmp/dom.npy" --keep-index "$tmp/keep.npy" --rest-index "$tmp/rest.npy"
python3 - "$tmp" <<'PY' && ok "select_keeps_cls_and_top_two" || fail "select_keeps_cls_and_top_two"
import struct, sys
def load(p):
    d = open(p, 'rb').read(); n = struct.unpack('<H', d[8:10])[0]; return d[10 + n:]
keep = struct.unpack('<3i', load(sys.argv[1] + '/keep.npy'))
dom = struct.unpack('<6f', load(sys.argv[1] + '/dom.npy'))
# scores: token1 0.6, token3 0.5, token4 0.4 -> keep 0, 1, 3
assert keep == (0, 1, 3), keep
assert dom == (0.0, 1.0, 2.0, 3.0, 6.0, 7.0), dom
PY

# prune: the hand-worked DivPrune answer of docs/prune.md (directions 0, 10, 20, 90, 180 degrees and a zero row)
npy "$tmp/emb.npy" f4 "(1,6,2)" "[5.0,0.0, 0.984807753,0.173648178, 0.939692621,0.342020143, 0.0,0.1, -2.0,0.0, 0.0,0.0]"
expect_rc "run_prune_divprune" 0 "$vtc" run prune --hidden "$tmp/emb.npy" --keep 4 --out "$tmp/po.npy" \
  --keep-index "$tmp/pk.npy" --src-index "$tmp/ps.npy"
python3 - "$tmp" <<'PY' && ok "prune_divprune_keeps_the_hand_worked_set" || fail "prune_divprune_keeps_the_hand_worked_set"
import struct, sys
def load(p, f):
    d = open(p, 'rb').read(); n = struct.unpack('<H', d[8:10])[0]; b = d[10 + n:]
    return struct.unpack('<%d%s' % (len(b) // 4, f), b)
t = sys.argv[1]
assert load(t + '/pk.npy', 'i') == (0, 3, 4, 5), load(t + '/pk.npy', 'i')
assert load(t + '/ps.npy', 'i') == (0, 3, 4, 5)
assert load(t + '/po.npy', 'f') == struct.unpack('<8f', struct.pack('<8f', 5, 0, 0, 0.1, -2, 0, 0, 0)), load(t + '/po.npy', 'f')
PY
# DART: L1 norms 3, 2.1, 1, 1, 0.5, 0.5 -> pivots 0, 1; pivot 0 takes 3 then 2, pivot 1 takes 5
npy "$tmp/emb3.npy" f4 "(1,6,3)" "[3,0,0, 0,2.1,0, 0,0,1, -1,0,0, 0.3,0.2,0, 0,0,0.5]"
expect_rc "run_prune_dart" 0 "$vtc" run prune --hidden "$tmp/emb3.npy" --mode dart --pivots 2 --keep 5 --keep-index "$tmp/pk.npy"
python3 - "$tmp" <<'PY' && ok "prune_dart_keeps_the_hand_worked_set" || fail "prune_dart_keeps_the_hand_worked_set"
import struct, sys
d = open(sys.argv[1] + '/pk.npy', 'rb').read(); n = struct.unpack('<H', d[8:10])[0]
assert struct.unpack('<5i', d[10 + n:]) == (0, 1, 2, 3, 5)
PY
# a 4x4 grid with --prune-rate and a contextual merge, drawn
npy "$tmp/grid.npy" f4 "(2,16,4)" "[((i * 7919) % 13) / 13.0 - 0.4 for i in range(128)]"
npy "$tmp/gattn.npy" f4 "(2,2,16)" "[((i * 31) % 17) / 17.0 for i in range(64)]"
expect_rc "run_prune_rate_merge_png" 0 "$vtc" run prune --hidden "$tmp/grid.npy" --prune-rate 0.75 --contextual 2 \
  --out "$tmp/po.npy" --png "$tmp/prune.png"
grep -q "hidden \[2,16,4\] -> out \[2,6,4\]" "$tmp/out" && ok "prune_rate_gives_the_budget" || fail "prune_rate_gives_the_budget: $(cat "$tmp/out")"
[ -s "$tmp/prune.png" ] && ok "prune_png_written" || fail "prune_png_written"
expect_rc "prune_budget_over_n_is_an_error" 1 "$vtc" run prune --hidden "$tmp/emb.npy" --keep 7 --keep-index "$tmp/pk.npy"
expect_rc "prune_bad_mode_is_usage_error" 2 "$vtc" run prune --hidden "$tmp/emb.npy" --mode random --keep 2 --out "$tmp/po.npy"
expect_rc "prune_keep_and_rate_is_usage_error" 2 "$vtc" run prune --hidden "$tmp/emb.npy" --keep 2 --prune-rate 0.5 --out "$tmp/po.npy"
# the op's own check (pivots are DART's), reported as the plugin words it
expect_rc "prune_pivots_without_dart_is_an_error" 1 "$vtc" run prune --hidden "$tmp/emb.npy" --pivots 2 --keep 2 --out "$tmp/po.npy"
grep -q "pivots" "$tmp/err" && ok "prune_pivots_error_says_why" || fail "prune_pivots_error_says_why: $(cat "$tmp/err")"
expect_rc "param_past_its_range_is_usage_error" 2 "$vtc" run prune --hidden "$tmp/emb.npy" --keep -1 --out "$tmp/po.npy"
expect_rc "param_not_an_integer_is_usage_error" 2 "$vtc" run prune --hidden "$tmp/emb.npy" --keep 1.5 --out "$tmp/po.npy"
expect_rc "prune_no_output_is_usage_error" 2 "$vtc" run prune --hidden "$tmp/emb.npy" --keep 2

# the template op through the generic command: y = a x + b, every output with --out-dir
npy "$tmp/tx.npy" f4 "(3,4)" "[float(i) for i in range(12)]"
mkdir -p "$tmp/toy"
expect_rc "run_toy" 0 "$vtc" run toy --x "$tmp/tx.npy" --a 2 --b -1 --out-dir "$tmp/toy"
python3 - "$tmp" <<'PY' && ok "run_toy_computes_a_x_plus_b" || fail "run_toy_computes_a_x_plus_b"
import struct, sys
d = open(sys.argv[1] + '/toy/y.npy', 'rb').read(); n = struct.unpack('<H', d[8:10])[0]
assert struct.unpack('<12f', d[10 + n:]) == tuple(2.0 * i - 1 for i in range(12))
PY
expect_rc "run_toy_f16" 0 "$vtc" run toy --x "$tmp/tx.npy" --a 2 --dtype f16 --y "$tmp/ty16.npy"
grep -q "'<f2'" "$tmp/ty16.npy" && ok "run_toy_f16_writes_f16" || fail "run_toy_f16_writes_f16"
expect_rc "run_unknown_op_is_usage_error" 2 "$vtc" run nosuchop --x "$tmp/tx.npy"
grep -q "toy" "$tmp/err" && ok "run_unknown_op_lists_the_ops" || fail "run_unknown_op_lists_the_ops"
expect_rc "run_help_lists_toy" 0 "$vtc" run --help
grep -q "toy" "$tmp/out" && ok "run_help_names_toy" || fail "run_help_names_toy"
expect_rc "run_visionzip_tokens_png" 0 "$vtc" run visionzip --hidden "$tmp/grid.npy" --metric "$tmp/grid.npy" \
  --attn "$tmp/gattn.npy" --no-cls --tokens 6 --out "$tmp/vo.npy" --src-index "$tmp/vs.npy" --png "$tmp/vz.png"
grep -q "out \[2,6,4\]" "$tmp/out" && [ -s "$tmp/vz.png" ] && ok "run_visionzip_tokens_split_and_png" \
  || fail "run_visionzip_tokens_split_and_png: $(cat "$tmp/out")"

# errors: clear, non-zero, no crash
printf 'not a numpy file at all' > "$tmp/garbage.npy"
expect_rc "garbage_npy_is_an_error" 1 "$vtc" run scores --attn "$tmp/garbage.npy" --out "$tmp/x.npy"
grep -qi "npy\|magic\|format" "$tmp/err" && ok "garbage_npy_error_says_why" || fail "garbage_npy_error_says_why: $(cat "$tmp/err")"
head -c 60 "$tmp/attn.npy" > "$tmp/trunc.npy"
expect_rc "truncated_npy_is_an_error" 1 "$vtc" run scores --attn "$tmp/trunc.npy" --out "$tmp/x.npy"
npy "$tmp/i.npy" i4 "(1,2,6)" "[0]*12"
expect_rc "integer_attention_is_an_error" 1 "$vtc" run scores --attn "$tmp/i.npy" --out "$tmp/x.npy"
expect_rc "missing_file_is_an_error" 1 "$vtc" run scores --attn "$tmp/nope.npy" --out "$tmp/x.npy"
expect_rc "too_many_dominant_is_an_error" 1 "$vtc" run select --scores "$tmp/s.npy" --hidden "$tmp/hidden.npy" --dominant 6 --out "$tmp/x.npy"
expect_rc "missing_required_flag_is_usage_error" 2 "$vtc" run select --scores "$tmp/s.npy"
expect_rc "bad_dtype_is_usage_error" 2 "$vtc" run scores --attn "$tmp/attn.npy" --dtype f64 --out "$tmp/x.npy"
expect_rc "missing_plugin_is_a_clear_error" 1 "$vtc" --plugin /nonexistent/libvtc.so.1 info
grep -q "cannot load the vtc plugin" "$tmp/err" && ok "missing_plugin_error_says_why" || fail "missing_plugin_error_says_why"

# compress on the official golden data (LLaVA-Mini's own resampler output)
gold=${VTC_GOLDEN_DIR:-}/llavamini_c2_e256_n576
if [ -f "$gold/weights.safetensors" ]; then
  expect_rc "run_compress_golden" 0 "$vtc" run compress --x "$gold/x.npy" --weights "$gold/weights.safetensors" \
    --out "$tmp/c.npy" --attn-out "$tmp/ca.npy"
  python3 - "$tmp" "$gold" <<'PY' && ok "run_compress_matches_official_code" || fail "run_compress_matches_official_code"
import struct, sys
def load(p):
    d = open(p, 'rb').read(); n = struct.unpack('<H', d[8:10])[0]; b = d[10 + n:]
    return struct.unpack('<%df' % (len(b) // 4), b)
for got, want in (('/c.npy', '/out.npy'), ('/ca.npy', '/attn_mean.npy')):
    a, b = load(sys.argv[1] + got), load(sys.argv[2] + want)
    assert len(a) == len(b), (len(a), len(b))
    nmse = sum((x - y) ** 2 for x, y in zip(a, b)) / sum(y * y for y in b)
    assert nmse < 1e-9, (got, nmse)
PY
  head -c 5000 "$gold/weights.safetensors" > "$tmp/trunc.safetensors"
  expect_rc "truncated_safetensors_is_an_error" 1 "$vtc" run compress --x "$gold/x.npy" --weights "$tmp/trunc.safetensors" --out "$tmp/c.npy"
  grep -q "trunc.safetensors" "$tmp/err" && ok "truncated_safetensors_error_names_the_file" || fail "truncated_safetensors_error_names_the_file: $(cat "$tmp/err")"
  expect_rc "missing_weight_key_is_an_error" 1 "$vtc" run compress --x "$gold/x.npy" --weights "$gold/weights.safetensors" --prefix other. --out "$tmp/c.npy"
  grep -q "other.query" "$tmp/err" && ok "missing_weight_key_error_names_the_key" || fail "missing_weight_key_error_names_the_key: $(cat "$tmp/err")"
  expect_rc "compress_heads_not_dividing_width_is_an_error" 1 "$vtc" run compress --x "$gold/x.npy" --weights "$gold/weights.safetensors" --heads 7 --out "$tmp/c.npy"
  expect_rc "compress_bad_path_is_usage_error" 2 "$vtc" run compress --x "$gold/x.npy" --weights "$gold/weights.safetensors" --path turbo --out "$tmp/c.npy"
else
  fail "golden data missing (VTC_GOLDEN_DIR=${VTC_GOLDEN_DIR:-unset})"
fi

# composite: a visual row's output is its value row; a text row attends to what precedes it
npy "$tmp/q.npy" f4 "(1,3,1,8)" "[0.1*i for i in range(24)]"
npy "$tmp/k.npy" f4 "(1,3,1,8)" "[0.05*(i%7) for i in range(24)]"
npy "$tmp/v.npy" f4 "(1,3,1,8)" "[float(i) for i in range(24)]"
npy "$tmp/kind.npy" u1 "(1,3)" "[1,0,1]"
expect_rc "run_composite" 0 "$vtc" run composite --q "$tmp/q.npy" --k "$tmp/k.npy" --v "$tmp/v.npy" --kind "$tmp/kind.npy" --out "$tmp/o.npy"
python3 - "$tmp" <<'PY' && ok "composite_visual_rows_copy_values_text_rows_mix" || fail "composite_visual_rows_copy_values_text_rows_mix"
import math, struct, sys
def load(p):
    d = open(p, 'rb').read(); n = struct.unpack('<H', d[8:10])[0]; b = d[10 + n:]
    return struct.unpack('<%df' % (len(b) // 4), b)
o, q, k, v = (load(sys.argv[1] + f) for f in ('/o.npy', '/q.npy', '/k.npy', '/v.npy'))
assert o[0:8] == v[0:8] and o[16:24] == v[16:24], (o[0:8], o[16:24])
s = [sum(q[8 + d] * k[j * 8 + d] for d in range(8)) / math.sqrt(8) for j in range(2)]
w = [math.exp(x - max(s)) for x in s]; w = [x / sum(w) for x in w]
want = [w[0] * v[d] + w[1] * v[8 + d] for d in range(8)]
assert all(abs(a - b) < 1e-4 for a, b in zip(o[8:16], want)), (o[8:16], want)
PY
npy "$tmp/kind_bad.npy" f4 "(1,3)" "[1,0,1]"
expect_rc "composite_float_kinds_is_an_error" 1 "$vtc" run composite --q "$tmp/q.npy" --k "$tmp/k.npy" --v "$tmp/v.npy" --kind "$tmp/kind_bad.npy" --out "$tmp/o.npy"
expect_rc "composite_missing_flag_is_usage_error" 2 "$vtc" run composite --q "$tmp/q.npy" --out "$tmp/o.npy"

# the main job
expect_rc "demo_runs_and_keeps_planted_tokens" 0 "$vtc" demo --repeat 3
grep -q "planted dominant tokens kept: 24 of 24" "$tmp/out" && ok "demo_reports_planted_tokens" || fail "demo_reports_planted_tokens: $(cat "$tmp/out")"

expect_rc "demo_divprune_covers_planted_objects" 0 "$vtc" demo --mode divprune --repeat 1
grep -q "planted objects with a kept token: 12 of 12" "$tmp/out" && ok "demo_divprune_reports_coverage" || fail "demo_divprune_reports_coverage: $(cat "$tmp/out")"
expect_rc "demo_dart_runs" 0 "$vtc" demo --mode dart --repeat 1
grep -q "DART (embeddings only)" "$tmp/out" && grep -q "planted objects with a kept token" "$tmp/out" && ok "demo_dart_reports_coverage" || fail "demo_dart_reports_coverage: $(cat "$tmp/out")"
expect_rc "demo_bad_mode_is_usage_error" 2 "$vtc" demo --mode nosuch

# vtc bench: help, one small shape end to end (calibration, timing, CPU check, JSON), usage errors
expect_rc "bench_help" 0 "$vtc" bench --help
grep -q -- "--json FILE" "$tmp/out" && grep -q "roof" "$tmp/out" && ok "bench_help_documents_options" \
  || fail "bench_help_documents_options"
expect_rc "bench_one_shape_runs" 0 "$vtc" bench --op visionzip --shape llava15 --repeat 3 --warmup 1 --quiet \
  --json "$tmp/bench.json"
grep -q "visionzip llava15" "$tmp/out" && grep -q "GB/s" "$tmp/out" && ok "bench_prints_the_table" \
  || fail "bench_prints_the_table: $(head -c 600 "$tmp/out")"
grep -q "first call: fresh context" "$tmp/out" && grep -q "MESA_SHADER_CACHE_DISABLE=true" "$tmp/out" \
  && ok "bench_reports_first_call_cold_and_warm" || fail "bench_reports_first_call_cold_and_warm"
python3 - "$tmp/bench.json" <<'PY' && ok "bench_json_has_the_expected_keys" || fail "bench_json_has_the_expected_keys"
import json, sys
j = json.load(open(sys.argv[1]))
c = j["calibration"]
assert c["bandwidth_gbs"] > 0 and c["fp32_gflops"] > 0, c
assert j["device"]["name"] and j["settings"]["repeat"] == 3, j["settings"]
# timed calls: host tensors on a CPU device with timestamps (what an engine hands it), else device buffers
assert j["settings"]["tensors"] in ("host", "device"), j["settings"]
assert j["llm"]["layers"] == 32 and j["llm"]["dim"] == 4096, j["llm"]
# --shape is a prefix: llava15 and llava15-qk
assert [x["shape"] for x in j["results"]] == ["llava15", "llava15-qk"], j["results"]
r = j["results"][0]
fc = r["first_call"]
# after vtc_prepare with the call's args, the first call creates no pipeline
assert fc["prepare_ms"] > 0 and fc["cold_ms"] > 0 and fc["warm_ms"] > 0 and fc["pipelines_at_first_call"] == 0, fc
assert (r["op"], r["shape"], r["status"], r["runs"]) == ("visionzip", "llava15", "ok", 3), r
assert 0 < r["min_ms"] <= r["median_ms"] <= r["max_ms"], r
for k in ("bytes", "flops", "gbs", "gflops", "roofline_fraction", "cpu_ref_ms", "speedup_vs_cpu"):
    assert r[k] > 0, (k, r)
assert r["check"] == "pass" and r["nmse"] < 1e-6, r
s = r["llm_savings"]
assert (s["visual_tokens_in"], s["visual_tokens_out"]) == (576, 64), s
assert s["prefill_flops_before"] > s["prefill_flops_after"] > 0, s
assert 0 < s["op_share_of_removed_prefill"] < 1 and s["share_goal_met"] in (True, False), s
t = {x["name"]: x for x in j["targets"]}
assert any(x["issue"] == 21 and "share of the prefill" in x["name"] for x in j["targets"]), t
PY
# every op's workloads are listed, and one workload of each op runs through the generic driver
# (tensors from the table, the op's CPU reference through its args) and agrees with the reference
expect_rc "bench_list_workloads" 0 "$vtc" bench --list
python3 - "$tmp/out" <<'PY' && ok "bench_lists_a_workload_of_every_op" || fail "bench_lists_a_workload_of_every_op"
import sys
ops = {l.split()[0] for l in open(sys.argv[1]) if l.strip()}
assert {"scores", "select", "merge", "visionzip", "compress", "composite", "prune", "toy"} <= ops, ops
PY
for spec in "scores llava15-qk" "select siglip" "merge llava15" "compress c1-n576-fast" "composite decode-dh64" \
            "prune dart-576x2048" "toy act4096"; do
  op=${spec%% *} shape=${spec#* }
  expect_rc "bench_${op}_runs" 0 "$vtc" bench --op "$op" --shape "$shape" --repeat 2 --warmup 1 --max-time 1 --quiet \
    --no-first-call --json "$tmp/bench_$op.json"
  python3 - "$tmp/bench_$op.json" "$op" <<'PY' && ok "bench_${op}_checked_against_its_reference" \
    || fail "bench_${op}_checked_against_its_reference: $(head -c 600 "$tmp/out")"
import json, sys
j = json.load(open(sys.argv[1]))
rows = [r for r in j["results"] if r["op"] == sys.argv[2]]
assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["check"] == "pass", rows
assert rows[0]["bytes"] > 0 and rows[0]["roofline_ms"] > 0 and rows[0]["cpu_ref_ms"] > 0, rows
PY
done
# --predict: recorded, never run; a bound per named GPU with the plugin's own dispatch count
expect_rc "bench_predict_runs" 0 "$vtc" bench --predict --op compress --shape c1-n576 --quiet
python3 - "$tmp/out" <<'PY' && ok "bench_predict_is_a_labelled_bound_with_recorded_dispatches" \
  || fail "bench_predict_is_a_labelled_bound_with_recorded_dispatches: $(head -c 800 "$tmp/out")"
import sys
t = open(sys.argv[1]).read()
assert "NOT a measurement" in t and "RTX 4090" in t and "H100" in t
rows = [l.split() for l in t.splitlines() if l.startswith("compress  c1-n576")]
assert len(rows) == 2, rows
for r in rows:
    mb, gflop, disp = float(r[2]), float(r[3]), int(r[4])
    bounds = [float(x) for x in r[5:9]]
    assert mb > 0 and gflop > 0 and disp >= 2, r
    # the bound is at least the per-dispatch overhead it states (5 us each)
    assert all(b >= 5 * disp for b in bounds), r
PY
expect_rc "bench_unknown_option_is_usage_error" 2 "$vtc" bench --frobnicate
expect_rc "bench_unknown_shape_is_usage_error" 2 "$vtc" bench --op composite --shape llava15
expect_rc "bench_zero_repeat_is_usage_error" 2 "$vtc" bench --repeat 0

# vtc pipelines: help, one op's standard shapes compiled, the JSON, usage errors
expect_rc "pipelines_help" 0 "$vtc" pipelines --help
grep -q -- "--json FILE" "$tmp/out" && ok "pipelines_help_documents_options" || fail "pipelines_help_documents_options"
expect_rc "pipelines_composite_compiles" 0 "$vtc" pipelines --op composite --json "$tmp/pipes.json"
grep -q "composite_attn" "$tmp/out" && grep -q "local_size" "$tmp/out" && ok "pipelines_prints_one_line_each" \
  || fail "pipelines_prints_one_line_each: $(head -c 600 "$tmp/out")"
python3 - "$tmp/pipes.json" <<'PY' && ok "pipelines_json_has_the_expected_keys" || fail "pipelines_json_has_the_expected_keys"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["device"]["name"] and j["device"]["subgroup_size"] >= 1, j["device"]
assert j["shapes_prepared"] >= 10 and j["shapes_failed"] == 0, j
p = j["pipelines"]
assert len(p) >= 3 and {"composite_prep", "composite_combine"} <= {x["shader"] for x in p}, p
for x in p:
    assert x["compiled"] is True and len(x["local_size"]) == 3 and x["local_size"][0] >= 1, x
    assert x["variant"].split(".")[0] in ("f32", "f16") and "statistics" in x, x
    assert x["specialization"][0] == j["device"]["subgroup_size"], x
PY
# on a CPU device, prune's workloads (host tensors) read their rows through texel views
# (plugin/README.md); VTC_DISABLE_TEXEL_VIEWS=1 selects the storage-buffer twins instead
if "$vtc" info 2>/dev/null | grep -q "^chosen:.*(CPU)$"; then
  expect_rc "pipelines_prune" 0 "$vtc" pipelines --op prune
  grep -q "^prune_pivd4_tex_cpu" "$tmp/out" && grep -q "^prune_dmat_tex_cpu" "$tmp/out" && grep -q "^prune_norms_tex_cpu" "$tmp/out" \
    && ! grep -q "^prune_pivd4_cpu " "$tmp/out" && ok "pipelines_prune_reads_host_rows_through_texel_views" \
    || fail "pipelines_prune_reads_host_rows_through_texel_views: $(head -c 600 "$tmp/out")"
  VTC_DISABLE_TEXEL_VIEWS=1 "$vtc" pipelines --op prune >"$tmp/out" 2>&1
  grep -q "^prune_pivd4_cpu " "$tmp/out" && ! grep -q "_tex_cpu" "$tmp/out" \
    && ok "pipelines_prune_without_texel_views_takes_storage_buffers" \
    || fail "pipelines_prune_without_texel_views_takes_storage_buffers: $(head -c 600 "$tmp/out")"
fi
expect_rc "pipelines_unknown_op_is_usage_error" 2 "$vtc" pipelines --op frobnicate
expect_rc "pipelines_unknown_option_is_usage_error" 2 "$vtc" pipelines --frobnicate
# the pipeline cache: written after a run, read silently by the next,
# a foreign or damaged file costs one warning and is replaced, --no-cache
# neither reads nor writes, and without XDG_CACHE_HOME it lives in ~/.cache
[ -s "$cache" ] && ok "pipeline_cache_written_after_a_run" || fail "pipeline_cache_written_after_a_run: no $cache"
expect_rc "run_with_a_warm_cache" 0 "$vtc" run scores --attn "$tmp/attn.npy" --out "$tmp/s2.npy"
grep -q "pipeline cache" "$tmp/err" && fail "warm_cache_is_silent: $(cat "$tmp/err")" || ok "warm_cache_is_silent"
cmp -s "$tmp/s.npy" "$tmp/s2.npy" && ok "warm_cache_gives_the_same_bits" || fail "warm_cache_gives_the_same_bits"
printf 'not a pipeline cache at all, but long enough to have a header' >"$cache"
expect_rc "damaged_cache_is_not_an_error" 0 "$vtc" run scores --attn "$tmp/attn.npy" --out "$tmp/s3.npy"
[ "$(grep -c "pipeline cache data ignored" "$tmp/err")" = 1 ] && ok "damaged_cache_gives_one_warning" \
  || fail "damaged_cache_gives_one_warning: $(cat "$tmp/err")"
python3 - "$cache" <<'PY' && ok "damaged_cache_is_replaced_by_a_valid_one" || fail "damaged_cache_is_replaced_by_a_valid_one"
import struct, sys
d = open(sys.argv[1], 'rb').read()
size, version = struct.unpack('<II', d[:8])
assert len(d) >= 32 and 32 <= size <= len(d) and version == 1, (len(d), size, version)
PY
XDG_CACHE_HOME="$tmp/xdg-off" expect_rc "no_cache_run" 0 "$vtc" --no-cache run scores --attn "$tmp/attn.npy" --out "$tmp/x.npy"
# (the driver may keep its own cache there: Mesa writes mesa_shader_cache)
[ ! -e "$tmp/xdg-off/vtc" ] && ok "no_cache_writes_nothing" || fail "no_cache_writes_nothing: $(find "$tmp/xdg-off/vtc")"
mkdir -p "$tmp/home"
HOME="$tmp/home" XDG_CACHE_HOME= expect_rc "run_without_xdg_cache_home" 0 "$vtc" run scores --attn "$tmp/attn.npy" --out "$tmp/x.npy"
[ -s "$tmp/home/.cache/vtc/pipelines.bin" ] && ok "cache_defaults_to_home_dot_cache" || fail "cache_defaults_to_home_dot_cache"
grep -q -- "--no-cache" <("$vtc" --help) && ok "help_mentions_no_cache" || fail "help_mentions_no_cache"

echo "$fails failure(s)"
[ $fails -eq 0 ]
