#!/bin/sh
# vtc-mtmd's argument errors, on the stand-in build (no llama.cpp call is
# reached: each would abort). usage: check_cli.sh VTC_MTMD_STANDIN
exe=$1
fail=0
expect() { # expect RC TEXT ARGS...
    rc=$1 text=$2
    shift 2
    out=$("$exe" "$@" 2>&1)
    got=$?
    if [ "$got" != "$rc" ] || ! printf '%s' "$out" | grep -qF -- "$text"; then
        echo "FAIL: vtc-mtmd $* -> rc $got (want $rc), output: $out (want '$text')"
        fail=1
    fi
}
base="-m m.gguf --mmproj p.gguf --image i.png -p hi"
expect 1 "are required" -m m.gguf
expect 1 "--vtc wants none, visionzip, divprune or dart" $base --vtc zip
expect 1 "--keep wants an integer >= 1 or a share in (0, 1)" $base --vtc dart --keep 1.5
expect 1 "--keep wants" $base --vtc dart --keep 0
expect 1 "--compare needs --vtc" $base --compare
expect 1 "-t wants an integer >= 1" $base -t 0
expect 1 "needs a value" $base --keep
expect 1 "unknown option '--bogus'" $base --bogus
[ $fail = 0 ] && echo "vtc-mtmd: argument errors as documented"
exit $fail
