#!/usr/bin/env python3
"""Generates a C program that prints the ABI facts of a nats.h.

For every struct with a body in the given headers the program prints its
size and the offset and size of each field (fields of a nested struct as
`Outer.Inner.Field`), and for every enum its size and the value of each
enumerator, one fact per line in header order:

    struct jsPlacement size 24
    field jsPlacement.Cluster offset 0 size 8
    enum jsStorageType size 4
    value jsStorageType.js_MemoryStorage 1

Each type's lines are guarded by `#ifdef LAYOUT_<type>`, so the same program
builds against a header that defines only some of the types (the caller
passes -DLAYOUT_<type> for those), and `-DLAYOUT_ALL` turns all of them on.

How tests/data/nats_c_3.14_layout.txt and tests/layout/layout_print.c were
made (nats.c commit 2d4db4a36ecf5cbdf04c836fb823696dd5c2a7fb, 3.14.0-beta,
x86_64 Linux, gcc; the headers go to a temporary directory, never into the
repository):

    d=$(mktemp -d)
    for f in nats.h status.h version.h; do
        git -C /work/.mirror/nats-io+nats.c/repo show \\
            2d4db4a36ecf5cbdf04c836fb823696dd5c2a7fb:src/$f > $d/$f
    done
    python3 tests/layout/gen_layout_printer.py $d/nats.h $d/status.h \\
        > tests/layout/layout_print.c
    gcc -std=c99 -Wall -Wextra -Werror -DLAYOUT_ALL -I$d \\
        tests/layout/layout_print.c -o $d/layout_print
    $d/layout_print > tests/data/nats_c_3.14_layout.txt

The parser knows just enough C for nats.h: comments, conditional blocks
(every macro it tests counts as undefined, so Windows, streaming and
Doxygen-only parts drop out), typedef'd and tagged structs and enums, and
field declarations including arrays and function pointers. Anything else
inside a struct body stops it with an error rather than a wrong table.

Standard library only; Python 3.8+.
"""
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip_comments(text):
    """Removes /* */ and // comments, keeping string literals and newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                sys.exit("unterminated comment")
            out.append("\n" * text.count("\n", i, j))
            i = j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def condition_holds(directive, rest):
    """Evaluates a conditional with no macro defined."""
    rest = rest.strip()
    if directive == "ifdef":
        return False
    if directive == "ifndef":
        return True
    m = re.fullmatch(r"(!?)\s*defined\s*\(?\s*[A-Za-z_]\w*\s*\)?", rest)
    if m:
        return m.group(1) == "!"
    if rest == "0":
        return False
    if rest == "1":
        return True
    sys.exit(f"cannot evaluate #{directive} {rest}")


def drop_inactive(text):
    """Keeps the lines a compiler would see; removes every directive."""
    out = []
    stack = []  # (this branch active, some branch taken, parent active)
    active = True
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        # Join continued directive lines.
        while line.rstrip().endswith("\\") and k + 1 < len(lines):
            k += 1
            line = line.rstrip()[:-1] + " " + lines[k]
        k += 1
        m = re.match(r"\s*#\s*(\w+)(.*)", line)
        if not m:
            out.append(line if active else "")
            continue
        d, rest = m.group(1), m.group(2)
        if d in ("if", "ifdef", "ifndef"):
            holds = active and condition_holds(d, rest)
            stack.append((holds, holds, active))
            active = holds
        elif d == "elif":
            _, taken, parent = stack.pop()
            holds = parent and not taken and condition_holds("if", rest)
            stack.append((holds, taken or holds, parent))
            active = holds
        elif d == "else":
            _, taken, parent = stack.pop()
            stack.append((parent and not taken, True, parent))
            active = parent and not taken
        elif d == "endif":
            _, _, parent = stack.pop()
            active = parent
        out.append("")
    return "\n".join(out)


def matching(text, i, open_c="{", close_c="}"):
    """Index of the bracket closing the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_c:
            depth += 1
        elif text[j] == close_c:
            depth -= 1
            if depth == 0:
                return j
    sys.exit("unbalanced brackets")


def split_top(text, sep):
    """Splits at `sep` outside any brackets."""
    parts, depth, cur = [], 0, []
    for c in text:
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def declarator_name(decl):
    """The name a declarator declares: `*Name`, `Name[8]`, `(*Name)(...)`."""
    m = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)", decl)
    if m:
        return m.group(1)
    if ":" in decl:
        sys.exit(f"bit-fields are not handled: {decl}")
    decl = re.sub(r"\[[^\]]*\]", "", decl)
    names = IDENT.findall(decl)
    if not names:
        sys.exit(f"no name in declaration: {decl}")
    return names[-1]


def parse_fields(body, prefix=""):
    """Field paths of a struct body, nested struct members as `a.b`."""
    fields = []
    for decl in split_top(body, ";"):
        brace = decl.find("{")
        if brace >= 0:
            if not re.match(r"(struct|union)\b", decl):
                sys.exit(f"unexpected braces in field: {decl}")
            close = matching(decl, brace)
            inner = decl[brace + 1 : close]
            names = split_top(decl[close + 1 :], ",")
            if not names:  # an anonymous member: its fields are the outer's
                fields += parse_fields(inner, prefix)
            for n in names:
                if "[" in n or "*" in n:
                    sys.exit(f"nested array or pointer member not handled: {decl}")
                path = prefix + declarator_name(n)
                fields.append(path)
                fields += parse_fields(inner, path + ".")
            continue
        # `int a, b` declares two fields; the type is before the first one.
        parts = split_top(decl, ",")
        fields.append(prefix + declarator_name(parts[0]))
        for p in parts[1:]:
            fields.append(prefix + declarator_name(p))
    return fields


def parse_enumerators(body):
    names = []
    for item in split_top(body, ","):
        m = IDENT.match(item)
        if not m:
            sys.exit(f"bad enumerator: {item}")
        names.append(m.group(0))
    return names


def parse(text):
    """Structs and enums with bodies, in order, and the tag -> typedef map."""
    types = []  # (kind, name or None, tag or None, body)
    aliases = {}  # struct tag -> typedef name
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s+(\w+)\s*;", text):
        aliases[m.group(1)] = m.group(2)
    pos = 0
    pat = re.compile(r"\b(typedef\s+)?(struct|enum|union)\s*(\w+)?\s*\{")
    while True:
        m = pat.search(text, pos)
        if not m:
            break
        open_i = m.end() - 1
        close = matching(text, open_i)
        body = text[open_i + 1 : close]
        semi = text.find(";", close)
        after = text[close + 1 : semi].strip()
        kind, tag = m.group(2), m.group(3)
        if kind == "union":
            sys.exit(f"top-level unions are not handled ({tag})")
        name = after if m.group(1) else None
        if name and not IDENT.fullmatch(name):
            sys.exit(f"unexpected typedef name {name!r}")
        types.append((kind, name, tag, body))
        pos = semi + 1
    out = []
    for kind, name, tag, body in types:
        if name is None:
            name = aliases.get(tag)
        if name is None:
            if kind == "enum":
                sys.exit(f"enum {tag} has no typedef name")
            name = "struct " + tag
        out.append((kind, name, body))
    return out


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def guard(name):
    return "LAYOUT_" + name.replace("struct ", "struct_")


def emit(types, sources):
    w = []
    w.append("/* Generated by tests/layout/gen_layout_printer.py from")
    for s in sources:
        w.append(f" *   {s}")
    w.append(" * Prints the size and field offsets of every struct and the value of")
    w.append(" * every enumerator of the header; see the script for how to build and")
    w.append(" * run it. Build with -DLAYOUT_ALL, or -DLAYOUT_<type> per type. */")
    w.append("#include <stddef.h>")
    w.append("#include <stdio.h>")
    w.append('#include "nats.h"')
    w.append("")
    w.append("#ifdef LAYOUT_ALL")
    for _, name, _ in types:
        w.append(f"#define {guard(name)} 1")
    w.append("#endif")
    w.append("")
    w.append("#define SIZE(kind, name, T) \\")
    w.append('    printf("%s %s size %lu\\n", kind, name, (unsigned long) sizeof(T))')
    w.append("#define FIELD(name, T, F) \\")
    w.append('    printf("field %s offset %lu size %lu\\n", name, \\')
    w.append("           (unsigned long) offsetof(T, F), (unsigned long) sizeof(((T *) 0)->F))")
    w.append("#define VALUE(name, V) printf(\"value %s %lld\\n\", name, (long long) (V))")
    w.append("")
    w.append("int main(void)")
    w.append("{")
    for kind, name, body in types:
        w.append(f"#ifdef {guard(name)}")
        label = name.replace("struct ", "")
        if kind == "struct":
            w.append(f'    SIZE("struct", {c_string(label)}, {name});')
            for f in parse_fields(body):
                w.append(f"    FIELD({c_string(label + '.' + f)}, {name}, {f});")
        else:
            w.append(f'    SIZE("enum", {c_string(label)}, {name});')
            for e in parse_enumerators(body):
                w.append(f"    VALUE({c_string(label + '.' + e)}, {e});")
        w.append("#endif")
    w.append("    return 0;")
    w.append("}")
    return "\n".join(w) + "\n"


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: gen_layout_printer.py nats.h [status.h ...] > layout_print.c")
    types, names = [], set()
    for path in argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = drop_inactive(strip_comments(f.read()))
        for t in parse(text):
            if t[1] in names:
                sys.exit(f"{t[1]} defined twice")
            names.add(t[1])
            types.append(t)
    # Only the file names go into the output: the paths are temporary.
    sources = [p.rsplit("/", 1)[-1] for p in argv[1:]]
    sys.stdout.write(emit(types, sources))


if __name__ == "__main__":
    main(sys.argv)
