#!/usr/bin/env python3
"""Compile and link every ```c block of a Markdown guide as one program.

usage: check_snippets.py GUIDE.md MIN_BLOCKS -- COMPILER ARGS...

The blocks are concatenated in document order (a later block may use what
an earlier one defined), `int main(void) { return 0; }` is appended, and
the compiler command runs with `@SNIPPETS@` replaced by that file and
`@EXE@` by an output path. Any diagnostic under -Werror, any undefined
symbol at link time, or fewer than MIN_BLOCKS blocks fails.
"""
import os, re, subprocess, sys, tempfile

if len(sys.argv) < 5 or sys.argv[3] != '--':
    sys.exit(__doc__)
guide, min_blocks, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[4:]
text = open(guide, encoding='utf-8').read()
blocks = re.findall(r'^```c[ \t]*\n(.*?)^```[ \t]*$', text, flags=re.S | re.M)
print('%s: %d C blocks' % (guide, len(blocks)))
if len(blocks) < min_blocks:
    print('FAIL - expected at least %d C blocks' % min_blocks)
    sys.exit(1)
with tempfile.TemporaryDirectory() as td:
    src = os.path.join(td, 'snippets.c')
    with open(src, 'w') as f:
        for i, b in enumerate(blocks):
            # #line keeps diagnostics pointing into the guide
            line = text[:text.index(b)].count('\n') + 1
            f.write('#line %d "%s"\n%s\n' % (line, guide, b))
        f.write('#line 1 "check_snippets.py"\nint main(void) { return 0; }\n')
    exe = os.path.join(td, 'snippets')
    full = [a.replace('@SNIPPETS@', src).replace('@EXE@', exe) for a in cmd]
    r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        print('FAIL - the guide\'s C snippets do not compile and link')
        sys.exit(1)
print('ok - every C snippet of %s compiles and links (%d blocks)' % (os.path.basename(guide), len(blocks)))
