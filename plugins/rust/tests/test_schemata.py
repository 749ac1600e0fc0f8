"""Mutant schemata (``gauntlet_rust.schemata``): a batch of variants in one build must report what
building and testing each variant on its own reports, with the real cargo on the geo_ws workspace
(unit, integration and doc tests, two packages)."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from gauntlet_rust import build as build_step
from gauntlet_rust import mutate, schemata

from harness.mutation import MutateOptions, Variant, applied
from harness.sandbox.base import Limits
from harness.sandbox.local import LocalBackend

HERE = Path(__file__).parent
GEO = HERE / "projects" / "geo_ws"
TEXTSTATS = HERE / "projects" / "textstats"
LIB = "geom/src/lib.rs"

if shutil.which("cargo") is None:
    pytest.skip(reason="cargo is not installed", allow_module_level=True)


def _variant_texts(project: Path, seed: int, n: int) -> list[tuple[str, str]]:
    muts = [m for m in mutate.mutate(project, MutateOptions(language="rust"))]
    picked = random.Random(seed).sample(muts, min(n, len(muts)))
    return [(m.file, applied((project / m.file).read_text(), m)) for m in picked]


@pytest.mark.parametrize("project", [GEO, TEXTSTATS], ids=["geo_ws", "textstats"])
def test_every_line_maps_back_to_the_variants_own_text(project):
    """For every candidate of a project switched together in one file, each line of the switched
    file that belongs to a variant's own code maps to the line holding the same text in that
    variant alone (what panic locations and doc-test names need)."""
    by_file: dict[str, list] = {}
    for m in mutate.mutate(project, MutateOptions(language="rust")):
        by_file.setdefault(m.file, []).append(m)
    checked = 0
    for file, muts in by_file.items():
        clean = (project / file).read_bytes()
        tree = mutate._parser().parse(clean)
        variants = [applied(clean.decode(), m).encode() for m in muts]
        sites = [schemata.site_of(i, file, clean, v, tree) for i, v in enumerate(variants)]
        assert sum(s is not None for s in sites) >= len(sites) * 0.8  # most changes are inside a function
        sch = schemata.schema(clean, [s for s in sites if s is not None])
        lines = sch.text.decode().split("\n")
        for s in (s for s in sites if s is not None):
            own = variants[s.index].decode().split("\n")
            for n, text in enumerate(lines, start=1):
                where = schemata.variant_line(sch, s.index, n)
                origin = sch.origin[n - 1]
                # whole lines of the variant: its arm and the clean code outside switched blocks
                if where is None or origin is None or (origin[0] == "c" and any(
                        r[0] <= n <= r[1] for r in sch.regions)):
                    continue
                expected = own[where - 1]
                if origin[0] == "a":
                    last = n == len(lines) or sch.origin[n] is None  # the arm's last line ends with ","
                    text = text[:-1] if last else text
                    k = len(text) - len(text.lstrip(" ")) if origin[2] == 0 else 0  # the block's column
                    assert expected[k:].startswith(text[k:]) if last else expected[k:] == text[k:], (file, n, where)
                else:
                    assert text == expected, (file, s.index, n, where)
                checked += 1
    assert checked > 100


def _normal(message: str | None) -> str:
    """Messages without what differs between two runs of the same binary: thread ids, the one-time
    backtrace note, the target dir of the session."""
    text = re.sub(r"thread '([^']*)' \(\d+\)", r"thread '\1'", message or "")
    text = re.sub(r"\nnote: run with `RUST_BACKTRACE=1`[^\n]*", "", text)
    return re.sub(r"/\S*/cargo-target/", "TARGET/", text).strip()


def test_schemata_batch_reports_what_each_variant_alone_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("GAUNTLET_CACHE_DIR", str(tmp_path / "cache"))
    work = Path(shutil.copytree(GEO, tmp_path / "geo"))
    clean = (work / LIB).read_text()
    texts = _variant_texts(work, seed=3, n=14)
    texts += [
        # a panic inside a function, above the unit tests: its location must be the variant's own
        (LIB, clean.replace("    (a.x - b.x).abs() + (a.y - b.y).abs()\n",
                            "    assert!(a.x < 100, \"far\");\n    let d = (a.x - b.x).abs();\n"
                            "    assert!(d < 3, \"too far: {d}\");\n    d + (a.y - b.y).abs()\n")),
        (LIB, clean.replace("    Ok(Point::new(x, y))", "    Ok(Point::new(x, y, 0))")),  # does not build
        (LIB, clean.replace("pub y: i64,", "pub y: i32,")),  # outside any function body: built alone
        (LIB, clean.replace("/// Manhattan distance", "///\n/// Manhattan distance")),  # doc test moves a line
    ]
    variants = [Variant(f, t) for f, t in texts]
    session = LocalBackend().open(work, language="rust", limits=Limits(timeout=300), cache_key="schemata-test")
    assert build_step.build(session).ok

    builds = []
    real_build = build_step.build
    monkeypatch.setattr(build_step, "build", lambda s: builds.append(1) or real_build(s))
    batch = schemata.test_variants(session, variants)
    batch_builds, builds[:] = len(builds), []
    alone = [schemata._alone(session, v, (work / v.file).read_bytes()) for v in variants]

    assert (work / LIB).read_text() == clean  # the workspace is restored
    assert len(batch) == len(variants)
    assert batch_builds < len(variants) / 2  # most variants shared one build
    docs_checked = 0
    for v, got, want in zip(variants, batch, alone, strict=True):
        assert got.build.ok == want.build.ok, v.text
        if not want.build.ok:
            first = want.build.errors[0]
            assert (first.file, first.line, first.message) in {(d.file, d.line, d.message) for d in got.build.errors}
            continue
        assert {t: r.status for t, r in got.tests.tests.items()} == {t: r.status for t, r in want.tests.tests.items()}
        for t, r in want.tests.tests.items():
            assert _normal(got.tests.tests[t].message) == _normal(r.message), t
            docs_checked += "/doc::" in t
    assert docs_checked >= len(variants)  # geom's two doc tests, run from their kept programs
    far = next(r for t, r in batch[len(texts) - 4].tests.tests.items() if r.message and "too far" in r.message)
    assert "geom/src/lib.rs:25:5" in far.message
    moved = batch[len(texts) - 1].tests.tests
    assert "geom/doc::geom/src/lib.rs - manhattan (line 19)" in moved
