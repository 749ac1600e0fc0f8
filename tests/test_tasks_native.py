"""Native candidate sources (cargo-mutants, mutmut) become the same Mutation records as the plugins',
and feed the same pipeline: the kill check, the task format, the automatic candidate timeout."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.mutation import Mutation, minimal_edit
from harness.plugins import get_plugin_manager
from harness.tasks.generate import Baseline, GenerateOptions, candidate_timeout, generate
from harness.tasks.native import NativeToolMissing, require

ROOT = Path(__file__).resolve().parents[1]
SLUGIFY = ROOT / "examples" / "python" / "slugify"
RUST = ROOT / "plugins" / "rust" / "tests" / "projects" / "textstats"


def test_minimal_edit_is_the_smallest_span():
    m = minimal_edit("a.py", "x = a + b\n", "x = a - b\n", "mutmut")
    assert (m.line, m.original, m.replacement) == (1, "+", "-")
    assert "-x = a + b" in m.diff and "+x = a - b" in m.diff
    assert minimal_edit("a.py", "same\n", "same\n", "mutmut") is None


def test_cargo_mutants_records_become_plain_edits(tmp_path):
    """From the span, not from --diff: the tool's marker comment must not leak into a buggy file."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n")
    records = [
        {"file": "src/lib.rs", "genre": "BinaryOperator", "replacement": "-",
         "span": {"start": {"line": 2, "column": 7}, "end": {"line": 2, "column": 8}}},
        {"file": "src/lib.rs", "genre": "FnValue", "replacement": "1",
         "span": {"start": {"line": 2, "column": 5}, "end": {"line": 2, "column": 10}}},
    ]
    from gauntlet_rust.mutants import from_cargo_mutants_json

    sub, value = from_cargo_mutants_json(tmp_path, records)
    assert isinstance(sub, Mutation) and sub.operator == "cargo-mutants-BinaryOperator"
    assert (sub.line, sub.original, sub.replacement) == (2, "+", "-")
    assert "+    a - b" in sub.diff
    assert (value.original, value.replacement) == ("a + b", "1")
    assert "cargo-mutants" not in sub.diff + value.diff


@pytest.mark.skipif(not shutil.which("cargo-mutants"), reason="cargo-mutants is not installed (cargo install --locked cargo-mutants)")
def test_cargo_mutants_lists_real_mutants_that_apply(tmp_path):
    from harness.tasks.native import native_candidates

    src = shutil.copytree(RUST, tmp_path / "textstats", ignore=shutil.ignore_patterns("target"))
    found = native_candidates("cargo-mutants", "rust", src)
    assert found and all(m.operator.startswith("cargo-mutants-") for m in found)
    subprocess.run(["git", "init", "-q"], cwd=src, check=True)
    for m in found[:10]:
        r = subprocess.run(["git", "apply", "--check", "-"], cwd=src, input=m.diff, text=True, capture_output=True)
        assert r.returncode == 0, (m.diff, r.stderr)


def test_mutmut_candidates_and_generation(tmp_path):
    pytest.importorskip("mutmut.mutation.file_mutation", reason="mutmut 3 is not installed (pip install 'mutmut>=3.3')")
    pytest.importorskip("swebench", reason="the swebench extra is not installed")
    pm = get_plugin_manager()
    if "python" not in pm.languages():
        pytest.skip(reason="gauntlet-python is not installed")
    src = shutil.copytree(SLUGIFY, tmp_path / "slugify")
    core = src / "slugify" / "core.py"
    core.write_text(core.read_text().replace("_NON_WORD.split(ascii_text.lower())",
                                             "[w for w in _NON_WORD.split(ascii_text.lower()) if w]"))
    out = tmp_path / "tasks.jsonl"
    opts = GenerateOptions(language="python", repo_name="example/slugify", output=out, store=tmp_path / "store",
                           max_tasks=3, max_candidates=12, workers=2, sources=("mutmut",))
    report = generate(src, opts, pm)
    assert report.candidates == 12 and report.kept == 3
    tasks = [json.loads(line) for line in out.read_text().splitlines()]
    assert {t["mutation"]["operator"] for t in tasks} == {"mutmut"}
    assert all(t["FAIL_TO_PASS"] and t["patch"].startswith("diff --git") for t in tasks)
    # No mutmut artefacts (trampolines, mutants/) in the project or the tasks.
    assert not (src / "mutants").exists()
    assert all("mutmut" not in t["patch"] for t in tasks)


def test_unknown_or_missing_source_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown candidate source 'pit'"):
        require("pit", "python")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(NativeToolMissing, match="cargo install --locked cargo-mutants"):
        require("cargo-mutants", "rust")
    r = subprocess.run(["gauntlet", "tasks", "generate", "--repo", str(SLUGIFY), "--source", "pit", "-o",
                        str(tmp_path / "t.jsonl")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown candidate source" in r.stdout + r.stderr


def test_candidate_timeout_scales_with_the_clean_suite():
    assert candidate_timeout(Baseline([], [], [], 1.0, test_seconds=0.5, build_seconds=0.1)) == 10.0
    assert candidate_timeout(Baseline([], [], [], 1.0, test_seconds=20.0, build_seconds=1.0)) == 105.0
    assert candidate_timeout(Baseline([], [], [], 1.0, test_seconds=1.0, build_seconds=60.0)) == 180.0


@pytest.mark.skipif(not shutil.which("cargo-mutants"), reason="cargo-mutants is not installed (cargo install --locked cargo-mutants)")
def test_cargo_mutants_source_generates_tasks(tmp_path):
    """Operator names from the tool become branch names and instance ids: they must stay valid for git."""
    pm = get_plugin_manager()
    if "rust" not in pm.languages() or not shutil.which("cargo"):
        pytest.skip(reason="gauntlet-rust or cargo is not installed")
    src = shutil.copytree(RUST, tmp_path / "textstats", ignore=shutil.ignore_patterns("target"))
    out = tmp_path / "tasks.jsonl"
    opts = GenerateOptions(language="rust", repo_name="example/textstats", output=out, store=tmp_path / "store",
                           max_tasks=2, max_candidates=8, workers=2, sources=("cargo-mutants",))
    report = generate(src, opts, pm)
    assert report.kept >= 1
    tasks = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(t["mutation"]["operator"].startswith("cargo-mutants-") and t["FAIL_TO_PASS"] for t in tasks)
    assert all(":" not in t["instance_id"] for t in tasks)


@pytest.mark.parametrize("path", ["examples/python/slugify/slugify/core.py",
                                  "harness/tasks/related.py"])
def test_mutmut_mutants_spliced_in_place_equal_the_regenerated_module(path, monkeypatch):
    """The listing splices each mutated node's text in; mutmut's own way regenerates the module."""
    pytest.importorskip("mutmut", reason="mutmut is not installed (pip install mutmut)")
    import mutmut.configuration as configuration
    from gauntlet_python.mutmut_list import mutants

    monkeypatch.setattr(configuration, "_guess_source_paths", lambda: ["."])
    source = (Path(__file__).resolve().parents[1] / path).read_text()
    spliced = list(mutants(path, source))
    assert len(spliced) > 20 and spliced == list(mutants(path, source, splice=False))
