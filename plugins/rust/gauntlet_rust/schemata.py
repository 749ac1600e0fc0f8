"""Mutant schemata: a batch of Rust variants compiled in one build and chosen at run time.

One by one, a mutant of a crate costs an incremental ``cargo test --no-run`` before its test run;
on semver that build is about 0.5 s of a 0.9 s validation, and cargo-mutants pays it for every
mutant too.  Here every variant of a batch becomes an arm of a ``match`` on the environment
variable ``GAUNTLET_MUTANT``, put in place of the innermost block (inside a function body) around
its change.  The batch compiles once; each variant is then the ordinary ``cargo test`` run with
the variable set to its number.

Each verdict stays the one the variant's own build would give:

- a change outside a function body, or inside a ``const fn`` or a ``const`` / ``static``
  initialiser, has no place for a run-time switch: that variant is built and tested on its own;
- an arm that does not compile (rustc's errors fall on its lines) is taken out and that variant is
  built on its own, so a mutant that breaks the build is reported with its own diagnostics;
- every arm starts on a line of its own at the block's column, and the clean block is kept as the
  last arm, so panic locations (``src/lib.rs:LINE:COL``) and doc-test names (``(line N)``) in the
  report are mapped back to where they are in the variant's own text.

What still differs from a lone build: code that reads ``line!()`` / ``Location::caller()`` inside
a mutated block, and a first line whose code follows the block's closing brace (its columns
shift by four).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from gauntlet_rust import build as build_step
from gauntlet_rust import doctests, runner
from gauntlet_rust.mutate import _parser
from harness.outcome import BuildResult, Diagnostic, TestReport

ENV = "GAUNTLET_MUTANT"
SWITCH = (
    "{ static __GAUNTLET_MUTANT: ::std::sync::OnceLock<u32> = ::std::sync::OnceLock::new(); "
    "match *__GAUNTLET_MUTANT.get_or_init(|| ::std::env::var(\"" + ENV + "\").ok()"
    ".and_then(|v| v.parse().ok()).unwrap_or(0)) {"
).encode()
ROUNDS = 4  # builds tried, each without the arms the last one's errors fell on
_NOT_RUNTIME = {"const_item", "static_item", "const_block", "array_type", "attribute_item", "enum_variant"}


@dataclass
class Site:
    """One variant as a change of the clean file: bytes [start, end) become ``new``."""

    index: int  # the variant's place in the batch; its switch value is index + 1
    file: str
    start: int
    end: int
    new: bytes
    block: tuple[int, int]  # the innermost switchable block around the change (bytes)


def site_of(index: int, file: str, clean: bytes, variant: bytes, tree) -> Site | None:
    """The variant's change and its block, or None when no block inside a function holds it."""
    if variant == clean:
        return None
    n = min(len(clean), len(variant))
    p = 0
    while p < n and clean[p] == variant[p]:
        p += 1
    s = 0
    while s < n - p and clean[-1 - s] == variant[-1 - s]:
        s += 1
    start, end = p, len(clean) - s
    node = tree.root_node.descendant_for_byte_range(start, max(start, end - 1))
    while node is not None:
        if node.type == "block" and node.start_byte < start and end < node.end_byte and _runtime(node):
            return Site(index, file, start, end, variant[p:len(variant) - s], (node.start_byte, node.end_byte))
        node = node.parent
    return None


def _runtime(block) -> bool:
    """Inside a non-const function, and not in a constant context within it."""
    node = block.parent
    while node is not None:
        if node.type in _NOT_RUNTIME:
            return False
        if node.type == "function_item":
            mods = next((c for c in node.children if c.type == "function_modifiers"), None)
            return mods is None or b"const" not in mods.text.split()
        node = node.parent
    return False


@dataclass
class Schema:
    """One file with its switched blocks, and where each of its lines came from."""

    text: bytes
    # per line (0-based): ("c", clean line) or ("a", site index, line within the arm), or None
    origin: list
    blocks: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # index -> (clean line, lines, arm lines)
    regions: list[tuple[int, int, list[int]]] = field(default_factory=list)  # (first, last line, site indices)


def schema(clean: bytes, sites: list[Site]) -> Schema:
    """``clean`` with each group of sites switched in its block (nested blocks join the outer one)."""
    groups: dict[tuple[int, int], list[Site]] = {}
    for b in sorted({x.block for x in sites}, key=lambda b: (b[0], -b[1])):
        outer = next((g for g in groups if g[0] <= b[0] and b[1] <= g[1]), None)
        groups.setdefault(outer or b, [])
    for x in sites:
        groups[next(g for g in groups if g[0] <= x.block[0] and x.block[1] <= g[1])].append(x)

    out = bytearray()
    origin: list = [None]
    blocks: dict[int, tuple[int, int, int]] = {}
    regions: list[tuple[int, int, list[int]]] = []

    def emit(data: bytes, tag=None) -> None:
        first = len(origin) - 1
        for j in range(data.count(b"\n") + 1):
            if j:
                origin.append(None)
            if tag is not None:
                origin[first + j] = (tag[0], tag[1] + j) if tag[0] == "c" else ("a", tag[1], j)
        out.extend(data)

    pos, line = 0, 1
    for (bs, be), members in sorted(groups.items()):
        emit(clean[pos:bs], ("c", line))
        line += clean.count(b"\n", pos, bs)
        body = clean[bs:be]
        pad = b" " * len(clean[clean.rfind(b"\n", 0, bs) + 1:bs].decode("utf-8", "replace"))
        first = len(origin)
        emit(SWITCH)
        for x in sorted(members, key=lambda x: x.index):
            arm = body[:x.start - bs] + x.new + body[x.end - bs:]
            emit(f"\n{x.index + 1} =>\n".encode())
            emit(pad + arm, ("a", x.index))
            emit(b",")
            blocks[x.index] = (line, body.count(b"\n"), arm.count(b"\n"))
        emit(b"\n_ =>\n")
        emit(pad + body, ("c", line))
        emit(b" } }")
        regions.append((first, len(origin), [x.index for x in members]))
        line += body.count(b"\n")
        pos = be
    emit(clean[pos:], ("c", line))
    return Schema(bytes(out), origin, blocks, regions)


def variant_line(sch: Schema, index: int, line: int) -> int | None:
    """A line of the switched file as the line of the same code in variant ``index``'s own text."""
    where = sch.origin[line - 1] if 0 < line <= len(sch.origin) else None
    if where is None:
        return None
    start, lines, arm_lines = sch.blocks.get(index, (None, 0, 0))
    if where[0] == "a":
        return start + where[2] if where[1] == index else None
    clean = where[1]
    return clean + arm_lines - lines if start is not None and clean > start + lines else clean


def remap(report: TestReport, schemas: dict[str, Schema], index: int, workdir: str) -> TestReport:
    """The report with the switched files' line numbers turned into those of variant ``index``'s
    own tree (its file as the variant has it, the others clean)."""
    for file, sch in schemas.items():
        report = _remap_file(report, file, sch, index, workdir)
    return report


def _remap_file(report: TestReport, file: str, sch: Schema, index: int, workdir: str) -> TestReport:
    loc = re.compile(rf"(^|[\s'\"(\[]|{re.escape(workdir)}/)({re.escape(file)}):(\d+)", re.M)
    doc = re.compile(rf"({re.escape(file)} - .*\(line )(\d+)(\))$")

    def fix_loc(m: re.Match) -> str:
        n = variant_line(sch, index, int(m.group(3)))
        return m.group(0) if n is None else f"{m.group(1)}{m.group(2)}:{n}"

    def fix_id(test_id: str) -> str:
        m = doc.search(test_id)
        n = variant_line(sch, index, int(m.group(2))) if m else None
        return test_id if n is None else test_id[:m.start()] + f"{m.group(1)}{n}{m.group(3)}"

    tests = {fix_id(t): replace(r, message=loc.sub(fix_loc, r.message) if r.message else r.message)
             for t, r in report.tests.items()}
    return replace(report, tests=tests, log=loc.sub(fix_loc, report.log))


def test_variants(session, variants) -> list:
    """``gauntlet_test_variants`` for Rust: the switchable variants through one build, the rest alone."""
    from harness.mutation import VariantResult

    clean = {v.file: session.read_file(v.file) for v in variants}
    trees = {f: _parser().parse(text) for f, text in clean.items()}
    sites = [site_of(i, v.file, clean[v.file], v.text.encode(), trees[v.file]) for i, v in enumerate(variants)]
    results: list = [None] * len(variants)
    try:
        schemas, built, broken = _build(session, clean, [x for x in sites if x is not None])
        for x, diagnostics in broken.items():
            results[x] = VariantResult(BuildResult(ok=False, diagnostics=diagnostics))
        docs = None
        for n, x in enumerate(built):
            v, env = variants[x.index], {ENV: str(x.index + 1)}
            if n == 0 or docs is None or v.selection:
                if n == 0:
                    doctests.clear(session)
                report = runner.run_tests(session, v.selection, env, keep_doctests=doctests.keep_dir(session) if n == 0 else None)
                if n == 0 and not v.selection:
                    docs = doctests.plan(session, report)
            else:
                report = doctests.run(session, runner.run_tests(session, None, env, doc=False), docs, env)
            report = remap(report, schemas, x.index, session.workdir)
            results[x.index] = VariantResult(BuildResult(ok=True), report)
    finally:
        for f, text in clean.items():
            session.write_file(f, text)
    for i, v in enumerate(variants):
        if results[i] is None:
            results[i] = _alone(session, v, clean[v.file])
    return results


def _build(session, clean: dict[str, bytes], live: list[Site]):
    """Switched files written and built.  Returns the schemas, the sites built, and the diagnostics
    (mapped to the variant's own lines) of the sites whose arms did not compile; rustc may stop
    before it reaches some errors, so each round's build is retried without the arms it blamed."""
    broken: dict[int, list[Diagnostic]] = {}
    for _ in range(ROUNDS):
        if not live:
            break
        schemas = {f: schema(clean[f], [x for x in live if x.file == f]) for f in {x.file for x in live}}
        for f, text in clean.items():
            session.write_file(f, schemas[f].text if f in schemas else text)
        result = build_step.build(session)
        if result.ok:
            return schemas, live, broken
        blamed = _blame(result.errors, schemas)
        if blamed is None:
            break
        arms, groups = blamed
        for i, diagnostics in arms.items():
            if i not in groups:
                broken[i] = diagnostics
        live = [x for x in live if x.index not in arms and x.index not in groups]
    return {}, [], broken


def _blame(errors: list[Diagnostic], schemas: dict[str, Schema]):
    """Which sites rustc's errors fall on: ``(arms, groups)``, where ``arms`` maps a site to the
    errors on its own arm (mapped to its own lines), and ``groups`` holds the sites of a switched
    block with an error outside its arms (or arms whose types disagree, which rustc reports on one
    arm for another's fault): those are built alone.  None when an error is outside every block."""
    arms: dict[int, list[Diagnostic]] = {}
    groups: set[int] = set()
    for d in errors:
        sch = schemas.get(d.file or "")
        line = d.line or 0
        region = next((r for r in sch.regions if r[0] <= line <= r[1]), None) if sch else None
        if region is None:
            return None
        where = sch.origin[line - 1]
        if where is None or where[0] != "a" or "incompatible types" in d.message:
            groups.update(region[2])
        else:
            arms.setdefault(where[1], []).append(replace(d, line=variant_line(sch, where[1], line)))
    return arms, groups


def _alone(session, variant, clean: bytes):
    """One variant the ordinary way: its text written, built, tested, and the clean text put back."""
    from harness.mutation import VariantResult

    session.write_file(variant.file, variant.text)
    try:
        build = build_step.build(session)
        return VariantResult(build, runner.run_tests(session, variant.selection) if build.ok else None)
    finally:
        session.write_file(variant.file, clean)
