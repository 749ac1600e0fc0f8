"""SWE-bench data layer: the real shared datasets, predictions files, the test-edit guard."""

import json
from pathlib import Path

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from harness.benchmarks.swebench.dataset import DatasetError, language_of, load_instances, select  # noqa: E402
from harness.benchmarks.swebench.guard import find_test_edits  # noqa: E402
from harness.benchmarks.swebench.predictions import gold_predictions, load_predictions  # noqa: E402


def _shared() -> Path:
    """The real SWE-bench sets: $GAUNTLET_SWEBENCH_DATA, else ../shared next to the checkout (the
    development layout), else /work/shared (where CI's clean clone finds them)."""
    import os

    for root in (os.environ.get("GAUNTLET_SWEBENCH_DATA"), Path(__file__).resolve().parents[2] / "shared" / "data" / "swebench",
                 "/work/shared/data/swebench"):
        if root and Path(root).is_dir():
            return Path(root)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "swebench"


SHARED = _shared()
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared SWE-bench data not found at {SHARED} "
                                  "(set GAUNTLET_SWEBENCH_DATA)")


@needs_shared
def test_loads_real_multilingual_set_and_selects_by_language():
    rows = load_instances(str(SHARED / "multilingual-test.parquet"))
    assert len(rows) == 300
    bat = select(rows, ids=["sharkdp__bat-1892"])[0]
    assert bat["FAIL_TO_PASS"] == ["ignored_suffix_arg"] and language_of(bat) == "rust"
    langs = {language_of(r) for r in rows}
    assert {"rust", "go", "typescript"} <= langs
    assert all(language_of(r) == "go" for r in select(rows, languages=["go"]))
    assert {r["repo"] for r in select(rows, repos=["gin-gonic/gin"])} == {"gin-gonic/gin"}


@needs_shared
def test_lite_rows_are_python_and_unknown_ids_are_an_error():
    rows = load_instances(str(SHARED / "lite-dev.parquet"))
    assert len(rows) == 23 and {language_of(r) for r in rows} == {"python"}
    with pytest.raises(DatasetError, match="not in the dataset"):
        select(rows, ids=["nope__nope-1"])


def test_dataset_errors_are_clear(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_instances(str(tmp_path / "missing.jsonl"))
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(DatasetError, match="unsupported"):
        load_instances(str(tmp_path / "x.csv"))


def test_predictions_formats_and_errors(tmp_path):
    rows = [{"instance_id": "a__b-1", "model_name_or_path": "m", "model_patch": "diff"}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "p.json").write_text(json.dumps({"a__b-1": rows[0]}))
    assert load_predictions(tmp_path / "p.jsonl") == load_predictions(tmp_path / "p.json")
    (tmp_path / "bad.jsonl").write_text('{"model_patch": "x"}\n')
    with pytest.raises(DatasetError, match="no instance_id"):
        load_predictions(tmp_path / "bad.jsonl")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_predictions(tmp_path / "broken.json")
    assert gold_predictions([{"instance_id": "x", "patch": "P"}])["x"]["model_patch"] == "P"


def diff(*paths: str) -> str:
    return "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n" for p in paths)


@pytest.mark.parametrize(
    "paths,flagged",
    [
        (["src/lib.rs"], []),
        (["conftest.py"], ["conftest.py"]),
        (["pkg/sub/conftest.py", "pkg/core.py"], ["pkg/sub/conftest.py"]),
        (["tests/test_api.py"], ["tests/test_api.py"]),
        (["server_test.go", "server.go"], ["server_test.go"]),
        (["src/a.spec.ts", "src/a.ts"], ["src/a.spec.ts"]),
        (["jest.config.js"], ["jest.config.js"]),
        (["src/testing_utils.py"], []),
    ],
)
def test_guard_flags_test_edits(paths, flagged):
    assert find_test_edits(diff(*paths)) == flagged


def test_guard_flags_test_settings_inside_pyproject():
    patch = (
        "diff --git a/pyproject.toml b/pyproject.toml\n--- a/pyproject.toml\n+++ b/pyproject.toml\n"
        "@@ -1 +1,2 @@\n [tool.x]\n+[tool.pytest.ini_options]\n"
    )
    assert find_test_edits(patch) == ["pyproject.toml"]
