#!/usr/bin/env python3
"""Compile and link every ```c block of a Markdown guide as one program.

usage: check_snippets.py GUIDE.md MIN_BLOCKS [--lang c|c++] [--llama-flags] -- COMPILER ARGS...

The blocks are concatenated in document order (a later block may use what
an earlier one defined), `int main(void) { return 0; }` is appended, and
the compiler command runs with `@SNIPPETS@` replaced by that file and
`@EXE@` by an output path. --lang c++ names the file .cpp (so g++/clang++
compile it as C++17; link C code in as libraries or objects). --llama-flags
adds llama.cpp's own warning set for that language (its cmake/common.cmake
and ggml/cmake/common.cmake for GCC, LLAMA_ALL_WARNINGS), -Werror and the
-std. Any diagnostic under -Werror, any undefined symbol at link time, or
fewer than MIN_BLOCKS blocks fails. ```cpp blocks are not compiled.

tools/check_llama_api.py imports extract(), join_blocks() and the flag
lists to compile the same blocks against a real llama.cpp checkout.
"""
import os, re, subprocess, sys, tempfile

# llama.cpp's warning flags with GCC (LLAMA_ALL_WARNINGS=ON, LLAMA_FATAL_WARNINGS=ON)
LLAMA_WARNINGS = ['-Wall', '-Wextra', '-Wpedantic', '-Wcast-qual', '-Wno-unused-function', '-Werror']
LLAMA_C_FLAGS = ['-std=c11', '-Wshadow', '-Wstrict-prototypes', '-Wpointer-arith', '-Wmissing-prototypes',
                 '-Werror=implicit-int', '-Werror=implicit-function-declaration', '-Wdouble-promotion'] + LLAMA_WARNINGS
LLAMA_CXX_FLAGS = ['-std=c++17', '-Wmissing-declarations', '-Wmissing-noreturn', '-Wno-array-bounds',
                   '-Wextra-semi'] + LLAMA_WARNINGS


def extract(guide):
    text = open(guide, encoding='utf-8').read()
    return [(m.start(1), m.group(1)) for m in
            re.finditer(r'^```c[ \t]*\n(.*?)^```[ \t]*$', text, flags=re.S | re.M)]


def join_blocks(guide, blocks):
    text = open(guide, encoding='utf-8').read()
    out = []
    for start, b in blocks:
        # #line keeps diagnostics pointing into the guide
        out.append('#line %d "%s"\n%s\n' % (text[:start].count('\n') + 1, guide, b))
    return ''.join(out)


def main(argv):
    if '--' not in argv or len(argv) < 4:
        sys.exit(__doc__)
    sep = argv.index('--')
    head, cmd = argv[:sep], argv[sep + 1:]
    guide, min_blocks = head[0], int(head[1])
    lang, llama_flags = 'c', False
    rest = head[2:]
    while rest:
        if rest[0] == '--lang' and len(rest) > 1 and rest[1] in ('c', 'c++'):
            lang, rest = rest[1], rest[2:]
        elif rest[0] == '--llama-flags':
            llama_flags, rest = True, rest[1:]
        else:
            sys.exit(__doc__)
    blocks = extract(guide)
    print('%s: %d C blocks, compiled as %s' % (guide, len(blocks), 'C++17' if lang == 'c++' else 'C11'))
    if len(blocks) < min_blocks:
        print('FAIL - expected at least %d C blocks' % min_blocks)
        return 1
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, 'snippets.cpp' if lang == 'c++' else 'snippets.c')
        with open(src, 'w') as f:
            f.write(join_blocks(guide, blocks))
            f.write('#line 1 "check_snippets.py"\nint main(void) { return 0; }\n')
        exe = os.path.join(td, 'snippets')
        full = [a.replace('@SNIPPETS@', src).replace('@EXE@', exe) for a in cmd]
        if llama_flags:
            full = full + (LLAMA_CXX_FLAGS if lang == 'c++' else LLAMA_C_FLAGS)
        r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            print('FAIL - the guide\'s C snippets do not compile and link as %s' % lang)
            return 1
    print('ok - every C snippet of %s compiles and links as %s (%d blocks)'
          % (os.path.basename(guide), 'C++17' if lang == 'c++' else 'C11', len(blocks)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
