#!/usr/bin/env python3
"""Check vtc's llama.cpp stand-in header against a llama.cpp checkout.

usage: check_llama_api.py LLAMA_CPP_DIR [--guide GUIDE.md] [--extra FILE]... [--link LIBDIR] [--cc CC] [--cxx CXX]
       check_llama_api.py --self

tests/llama_cpp/llama_cpp_api.h declares the part of llama.cpp's C API that
vtc's llama.cpp code uses, copied from the commit vtc supports, so that CI
can compile that code without llama.cpp. With a checkout (its source tree;
nothing is built, only its headers are read and compiled), this checks:

  1. text: every prototype and typedef of the stand-in appears token for
     token in the real headers (API macros aside; a DEPRECATED() one does
     not match), every struct has the real fields in the real order with
     the real declarations, every macro has the real value, every enum and
     enumerator exists, every opaque `struct X;` names a real struct;
  2. C11: the real headers, then the stand-in's prototypes in the same
     translation unit: any difference in a parameter or return type
     (const-ness included) is a conflicting-declaration error;
  3. C++17: the same, plus the stand-in's types compiled in a namespace
     beside the real ones with static_asserts on each struct's size and
     every field's offset and size, each enum's size and each enumerator's
     value;
  4. the guide's ```c blocks (default docs/llama.cpp.md) against the real
     headers, as C11 and as C++17, with llama.cpp's own warning flags and
     -Werror (-fsyntax-only);
  5. each --extra source (e.g. host/llama/vtc_mtmd_main.c) the same way,
     in its own language (.c: C11 and C++17 is not assumed; .cpp: C++17).

  6. with --link LIBDIR (a directory holding an existing build's libmtmd,
     libllama, libggml*; this script builds nothing of llama.cpp): the
     guide's program, as C11 and as C++17, linked against those libraries
     and vtc's loader, mtmd and eval helpers (compiled here as C11 against
     the real headers), then started (its main returns at once): every
     llama.cpp symbol the guide names resolves in the real libraries.

--self needs no checkout: the stand-in compiles alone as C11 and C++17 with
those flags, and tools/llama_cpp_link_stubs.c defines every prototype once.
Exit status 0 when every check passes.
"""
import os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(ROOT, 'tests', 'llama_cpp', 'llama_cpp_api.h')
STUBS = os.path.join(ROOT, 'tools', 'llama_cpp_link_stubs.c')
sys.path.insert(0, os.path.join(ROOT, 'tools'))
import check_snippets  # noqa: E402  (the guide's block extraction and llama.cpp's warning flags)

API_MACROS = {'LLAMA_API', 'MTMD_API', 'GGML_API', 'GGML_BACKEND_API'}
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\w+|\S')


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def norm(text):
    return ' '.join(t for t in TOKEN.findall(text) if t not in API_MACROS)


def statements(text):
    """Top-level `;`-terminated statements (braces kept inside), preprocessor lines apart."""
    pp, body = [], []
    for line in text.split('\n'):
        (pp if line.lstrip().startswith('#') else body).append(line)
    out, depth, cur = [], 0, []
    for ch in '\n'.join(body):
        cur.append(ch)
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
        elif ch == ';' and depth == 0:
            s = ''.join(cur).strip()
            if s != ';':
                out.append(s)
            cur = []
    return pp, out


def braced(text, start):
    """The text between the `{` at or after start and its matching `}`."""
    i = text.index('{', start)
    depth = 0
    for j in range(i, len(text)):
        depth += text[j] == '{'
        depth -= text[j] == '}'
        if depth == 0:
            return text[i + 1:j]
    raise ValueError('unbalanced braces')


def fields(body):
    return [norm(f) for f in body.split(';') if norm(f)]


def field_name(decl):
    toks = decl.split(' ')
    if '[' in toks:
        toks = toks[:toks.index('[')]
    return toks[-1]


def enumerators(body):
    out = []
    for e in body.split(','):
        e = norm(e)
        if e:
            out.append(e.split(' ')[0])
    return out


def standin_sections():
    text = open(STANDIN, encoding='utf-8').read()
    types = text[text.index('#ifndef VTC_LLAMA_API_NO_TYPES'):text.index('#endif /* VTC_LLAMA_API_NO_TYPES')]
    funcs = text[text.index('#ifndef VTC_LLAMA_API_NO_FUNCS'):text.index('#endif /* VTC_LLAMA_API_NO_FUNCS')]
    types = strip_comments(types.split('\n', 1)[1])
    funcs = strip_comments(funcs.split('\n', 1)[1])
    return types, funcs


def parse_standin():
    types, funcs = standin_sections()
    pp, tstmts = statements(types)
    _, fstmts = statements(funcs)
    macros = []
    for line in pp:
        m = re.match(r'\s*#\s*define\s+(\w+)\s+(.*)$', line)
        if m:
            macros.append((m.group(1), norm(m.group(2))))
    structs, enums, opaque, typedefs = [], [], [], []
    for s in tstmts:
        n = norm(s)
        m = re.match(r'(typedef )?struct (\w+) \{', n)
        if m:
            structs.append((m.group(2), fields(braced(s, 0)), n))
            continue
        m = re.match(r'enum (\w+) \{', n)
        if m:
            enums.append((m.group(1), enumerators(braced(s, 0))))
            continue
        m = re.match(r'struct (\w+) ;$', n)
        if m:
            opaque.append(m.group(1))
            continue
        typedefs.append(n)
    protos = []
    for s in fstmts:
        n = norm(s)
        m = re.search(r'(\w+) \(', n)
        protos.append((m.group(1), n))
    return macros, structs, enums, opaque, typedefs, protos


def real_headers(d):
    dirs = [os.path.join(d, 'include'), os.path.join(d, 'ggml', 'include'), os.path.join(d, 'tools', 'mtmd')]
    for x in dirs:
        if not os.path.isdir(x):
            sys.exit('%s: not a llama.cpp checkout (no %s)' % (d, x))
    text = ''
    for x in dirs:
        for f in sorted(os.listdir(x)):
            if f.endswith('.h'):
                text += strip_comments(open(os.path.join(x, f), encoding='utf-8', errors='replace').read()) + '\n'
    return dirs, text


class Report:
    def __init__(self):
        self.failed = 0

    def ok(self, what):
        print('ok - %s' % what)

    def fail(self, what, detail=''):
        self.failed += 1
        print('FAIL - %s%s' % (what, ('\n' + detail.rstrip()) if detail else ''))


def check_text(rep, real):
    macros, structs, enums, opaque, typedefs, protos = parse_standin()
    real_n = ' ' + norm(real) + ' '
    n_ok = 0
    for name, val in macros:
        m = re.search(r'#\s*define\s+%s[ \t]+([^\n]*)' % name, real)
        if not m or norm(m.group(1)) != val:
            rep.fail('text: macro %s' % name, 'stand-in: %s\nreal:     %s' % (val, norm(m.group(1)) if m else '(none)'))
        else:
            n_ok += 1
    for name, flds, _ in structs:
        m = re.search(r'struct\s+%s\s*\{' % name, real)
        if not m:
            rep.fail('text: struct %s not in the real headers' % name)
            continue
        rf = fields(braced(real, m.start()))
        if rf != flds:
            diff = ['  real    : %s' % f for f in rf if f not in flds] + ['  stand-in: %s' % f for f in flds if f not in rf]
            if not diff:
                diff = ['  same fields, different order']
            rep.fail('text: struct %s fields differ' % name, '\n'.join(diff))
        else:
            n_ok += 1
    for name, names in enums:
        m = re.search(r'enum\s+%s\s*\{' % name, real)
        if not m:
            rep.fail('text: enum %s not in the real headers' % name)
            continue
        missing = [e for e in names if e not in enumerators(braced(real, m.start()))]
        if missing:
            rep.fail('text: enum %s lacks %s' % (name, ', '.join(missing)))
        else:
            n_ok += 1
    for name in opaque:
        if not re.search(r'\bstruct\s+%s\s*[;{]' % name, real):
            rep.fail('text: struct %s (opaque) not in the real headers' % name)
        else:
            n_ok += 1
    for td in typedefs:
        if (' ' + td + ' ') not in real_n:
            rep.fail('text: not in the real headers: %s' % td)
        else:
            n_ok += 1
    for name, p in protos:
        if (' ' + p + ' ') not in real_n:
            m = re.search(r'[^;{}]*\b%s\s*\([^;]*;' % name, real)
            rep.fail('text: prototype of %s differs (or is deprecated)' % name,
                     'stand-in: %s\nreal:     %s' % (p, norm(m.group(0)) if m else '(none)'))
        else:
            n_ok += 1
    rep.ok('text: %d macros, structs, enums, opaque structs, typedefs and prototypes match the real headers' % n_ok)
    return structs, enums


def compile_src(rep, what, compiler, args, src, suffix):
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, 'check' + suffix)
        with open(path, 'w') as f:
            f.write(src)
        r = subprocess.run([compiler] + args + ['-fsyntax-only', path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            rep.fail(what, r.stdout[-6000:])
        else:
            rep.ok(what)


REAL_INCLUDES = '#include "llama.h"\n#include "mtmd.h"\n#include "mtmd-helper.h"\n#include "ggml.h"\n#include "ggml-backend.h"\n'


def check_compile(rep, dirs, structs, enums, cc, cxx):
    inc = ['-I' + x for x in dirs] + ['-I' + os.path.dirname(STANDIN)]
    csrc = REAL_INCLUDES + '#define VTC_LLAMA_API_NO_TYPES\n#include "llama_cpp_api.h"\n'
    compile_src(rep, 'C11: the stand-in prototypes redeclare the real ones without conflict', cc,
                ['-std=c11', '-Werror'] + inc, csrc, '.c')
    asserts = []
    for name, flds, _ in structs:
        asserts.append('static_assert(sizeof(::%s) == sizeof(standin::%s), "%s: size");' % (name, name, name))
        asserts.append('static_assert(alignof(::%s) == alignof(standin::%s), "%s: alignment");' % (name, name, name))
        for f in flds:
            fn = field_name(f)
            asserts.append('static_assert(offsetof(::%s, %s) == offsetof(standin::%s, %s), "%s.%s: offset");'
                           % (name, fn, name, fn, name, fn))
            asserts.append('static_assert(sizeof(((::%s *)nullptr)->%s) == sizeof(((standin::%s *)nullptr)->%s), '
                           '"%s.%s: size");' % (name, fn, name, fn, name, fn))
    for name, names in enums:
        asserts.append('static_assert(sizeof(enum ::%s) == sizeof(enum standin::%s), "enum %s: size");'
                       % (name, name, name))
        for e in names:
            asserts.append('static_assert((long long)::%s == (long long)standin::%s, "%s: value");' % (e, e, e))
    cxxsrc = (REAL_INCLUDES + '#include <cstddef>\n'
              'namespace standin {\n#define VTC_LLAMA_API_NO_FUNCS\n#include "llama_cpp_api.h"\n'
              '#undef VTC_LLAMA_API_NO_FUNCS\n}\n#undef VTC_LLAMA_CPP_API_H\n#define VTC_LLAMA_API_NO_TYPES\n'
              '#include "llama_cpp_api.h"\n' + '\n'.join(asserts) + '\n')
    compile_src(rep, 'C++17: prototypes redeclare without conflict; %d layout/value asserts on %d structs and %d enums'
                % (len(asserts), len(structs), len(enums)), cxx, ['-std=c++17', '-Werror'] + inc, cxxsrc, '.cpp')


def vtc_includes():
    return ['-I' + os.path.join(ROOT, p) for p in ('abi', os.path.join('host', 'loader'), os.path.join('host', 'mtmd'))]


def check_guide(rep, guide, dirs, cc, cxx):
    blocks = check_snippets.extract(guide)
    src = check_snippets.join_blocks(guide, blocks)
    inc = ['-I' + x for x in dirs] + vtc_includes() + ['-DVK_NO_PROTOTYPES']
    compile_src(rep, '%s: %d C blocks, C11 against the real headers, llama.cpp warning flags' % (guide, len(blocks)),
                cc, check_snippets.LLAMA_C_FLAGS + inc, src, '.c')
    compile_src(rep, '%s: %d C blocks, C++17 against the real headers, llama.cpp warning flags' % (guide, len(blocks)),
                cxx, check_snippets.LLAMA_CXX_FLAGS + inc, src, '.cpp')


def check_extra(rep, path, dirs, cc, cxx):
    inc = ['-I' + x for x in dirs] + vtc_includes() + ['-DVK_NO_PROTOTYPES', '-D_GNU_SOURCE']
    src = '#line 1 "%s"\n%s' % (path, open(path, encoding='utf-8').read())
    if path.endswith('.c'):
        compile_src(rep, '%s: C11 against the real headers, llama.cpp warning flags' % path, cc,
                    check_snippets.LLAMA_C_FLAGS + ['-I' + os.path.dirname(os.path.abspath(path))] + inc, src, '.c')
    else:
        compile_src(rep, '%s: C++17 against the real headers, llama.cpp warning flags' % path, cxx,
                    check_snippets.LLAMA_CXX_FLAGS + ['-I' + os.path.dirname(os.path.abspath(path))] + inc, src, '.cpp')


def check_link(rep, guide, dirs, libdir, cc, cxx):
    inc = ['-I' + x for x in dirs] + vtc_includes() + ['-DVK_NO_PROTOTYPES', '-D_GNU_SOURCE']
    libs = ['-L' + libdir, '-Wl,-rpath,' + os.path.abspath(libdir)]
    for l in ('mtmd', 'llama', 'ggml', 'ggml-base'):
        if any(f.startswith('lib%s.' % l) for f in os.listdir(libdir)):
            libs.append('-l' + l)
    with tempfile.TemporaryDirectory() as td:
        objs = []
        for src in ('host/loader/vtc_loader.c', 'host/mtmd/vtc_mtmd.c', 'host/mtmd/vtc_mtmd_eval.c'):
            o = os.path.join(td, os.path.basename(src) + '.o')
            r = subprocess.run([cc, '-std=c11', '-c', os.path.join(ROOT, src), '-o', o] + inc,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                rep.fail('link: %s compiles against the real headers' % src, r.stdout[-4000:])
                return
            objs.append(o)
        blocks = check_snippets.extract(guide)
        src = check_snippets.join_blocks(guide, blocks) + '#line 1 "main"\nint main(void) { return 0; }\n'
        for lang, comp, suffix, flags in (('C11', cc, '.c', check_snippets.LLAMA_C_FLAGS),
                                          ('C++17', cxx, '.cpp', check_snippets.LLAMA_CXX_FLAGS)):
            path = os.path.join(td, 'guide' + suffix)
            exe = os.path.join(td, 'guide_' + suffix[1:])
            with open(path, 'w') as f:
                f.write(src)
            r = subprocess.run([comp] + flags + inc + [path] + objs + libs + ['-ldl', '-lpthread', '-lm', '-o', exe],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                rep.fail('link: %s: the guide as %s links against %s' % (guide, lang, libdir), r.stdout[-6000:])
                continue
            r = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                rep.fail('link: %s: the guide program (%s) starts with the real libraries' % (guide, lang), r.stdout)
            else:
                rep.ok('link: %s: %d blocks as %s linked against %s (%s) and started'
                       % (guide, len(blocks), lang, libdir, ' '.join(l for l in libs if l.startswith('-l'))))


def check_self(rep, cc, cxx):
    inc = ['-I' + os.path.dirname(STANDIN)]
    src = '#include "llama_cpp_api.h"\n'
    compile_src(rep, 'the stand-in compiles alone as C11 with llama.cpp warning flags', cc,
                check_snippets.LLAMA_C_FLAGS + inc, src, '.c')
    compile_src(rep, 'the stand-in compiles alone as C++17 with llama.cpp warning flags', cxx,
                check_snippets.LLAMA_CXX_FLAGS + inc, src, '.cpp')
    protos = [n for n, _ in parse_standin()[5]]
    stubs = strip_comments(open(STUBS, encoding='utf-8').read())
    stubs = '\n'.join(l for l in stubs.split('\n') if not l.lstrip().startswith('#'))
    defined = re.findall(r'\b(\w+)\s*\([^;{]*\)\s*\{', stubs)
    missing = [p for p in protos if p not in defined]
    extra = [d for d in set(defined) if d not in protos]
    dup = sorted(set(d for d in defined if defined.count(d) > 1))
    if missing or extra or dup or len(set(protos)) != len(protos):
        rep.fail('stubs: one definition per prototype',
                 'missing: %s\nnot declared: %s\ntwice: %s' % (missing, extra, dup))
    else:
        rep.ok('stubs: %s defines each of the %d prototypes once' % (os.path.basename(STUBS), len(protos)))


def main(argv):
    args = {'--guide': [], '--extra': [], '--link': [], '--cc': ['cc'], '--cxx': ['c++']}
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] in args and i + 1 < len(argv):
            args[argv[i]].append(argv[i + 1])
            i += 2
        elif argv[i] in ('-h', '--help'):
            print(__doc__)
            return 0
        else:
            pos.append(argv[i])
            i += 1
    cc, cxx = args['--cc'][-1], args['--cxx'][-1]
    rep = Report()
    if pos == ['--self']:
        check_self(rep, cc, cxx)
    elif len(pos) == 1:
        dirs, real = real_headers(pos[0])
        commit = ''
        for f in ('.git/HEAD', 'COMMIT'):
            if os.path.isfile(os.path.join(pos[0], f)):
                commit = open(os.path.join(pos[0], f)).read().strip()
        print('llama.cpp at %s %s' % (pos[0], commit))
        structs, enums = check_text(rep, real)
        check_compile(rep, dirs, structs, enums, cc, cxx)
        for g in args['--guide'] or [os.path.join(ROOT, 'docs', 'llama.cpp.md')]:
            check_guide(rep, g, dirs, cc, cxx)
            for libdir in args['--link']:
                check_link(rep, g, dirs, libdir, cc, cxx)
        for x in args['--extra']:
            check_extra(rep, x, dirs, cc, cxx)
    else:
        print(__doc__)
        return 2
    print('%s - %d check(s) failed' % ('FAIL' if rep.failed else 'ok', rep.failed))
    return 1 if rep.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
