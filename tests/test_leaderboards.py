"""Leaderboards from real runs: HumanEval and LiveCodeBench runs made with `gauntlet humaneval` /
`gauntlet lcb`, a SWE-bench run (own environment, local backend); the site checked in headless
Chromium (sort, date window, drill-down) with screenshots in a temporary directory (set
GAUNTLET_SHOTS_DIR=bench/results to refresh the pictures in docs/leaderboards.md)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from leaderboards.build import SCHEMA_VERSION, build_site, leaderboard, load_runs, markdown
from leaderboards.stats import bootstrap, interval, wilson

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OLD = {"abc001_a", "abc002_b", "lc_two_sum"}  # contest dates in 2023; the rest are 2024
MODELS = [{"name": "old-model", "size": "7B", "release_date": "2023-06-01", "link": "https://example.org/old"},
          {"name": "new-model", "size": "70B", "release_date": "2024-02-01"}]


def _cli(*args):
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code in (0, 1), r.output
    return r


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lb")
    out = {}
    # HumanEval: canonical solutions for 12 problems; a second model breaks every third one.
    from harness.benchmarks import humaneval as he

    try:
        problems = list(he.load_problems().values())[:12]
    except he.HumanEvalError as e:
        pytest.skip(reason=str(e))
    for name, broken in (("canon-coder", set()), ("half-coder", {p["task_id"] for p in problems[::3]})):
        f = tmp / f"{name}.jsonl"
        f.write_text("".join(json.dumps({"task_id": p["task_id"], "completion": "    return None\n" if p["task_id"] in broken
                                         else p["canonical_solution"]}) + "\n" for p in problems))
        _cli("humaneval", "--samples", str(f), "--run-dir", str(tmp / "he" / name), "--workers", "2", "--k", "1")
        out[f"he-{name}"] = tmp / "he" / name
    # LiveCodeBench: grade every sample once, then pick passing / failing codes per model so that
    # old-model wins overall and new-model wins on the 2024 problems.
    samples = json.loads((DATA / "lcb_samples.json").read_text())
    probe = tmp / "lcb" / "probe"
    _cli("lcb", "--samples", str(DATA / "lcb_samples.json"), "--dataset", str(DATA / "lcb_problems.jsonl"),
         "--run-dir", str(probe), "--workers", "2")
    graded = {r["task_id"]: r["graded_list"] for r in map(json.loads, (probe / "results.jsonl").read_text().splitlines())}
    codes = {s["question_id"]: s["code_list"] for s in samples}

    def pick(qid, good):
        i = next(i for i, ok in enumerate(graded[qid]) if ok == good)
        return codes[qid][i]

    wants = {"old-model": lambda q: q in OLD or q == "1900_A", "new-model": lambda q: q not in OLD}
    for name, good in wants.items():
        f = tmp / f"lcb-{name}.json"
        f.write_text(json.dumps([{"question_id": q, "code_list": [pick(q, good(q))]} for q in codes]))
        _cli("lcb", "--samples", str(f), "--dataset", str(DATA / "lcb_problems.jsonl"), "--run-dir", str(tmp / "lcb" / name),
             "--workers", "2")
        out[f"lcb-{name}"] = tmp / "lcb" / name
    out["lcb-probe"] = probe
    out["swe"] = _swebench_runs(tmp)
    (tmp / "models.json").write_text(json.dumps(MODELS))
    out["models"] = tmp / "models.json"
    out["tmp"] = tmp
    return out


def _swebench_runs(tmp):
    """gold and empty predictions on a toy instance, own environment, local backend (None if unavailable)."""
    try:
        import swebench  # noqa: F401
        from swe_fixtures import make_instance

        from harness.benchmarks.swebench.environments import OwnEnvironment
        from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions
        from harness.benchmarks.swebench.run import RunOptions, run
        from harness.plugins import get_plugin_manager
    except ImportError:
        return None
    pm = get_plugin_manager()
    if "python" not in pm.languages():
        return None
    base = {"mathy/__init__.py": "", "mathy/ops.py": "def add(a, b):\n    return a - b\n",
            "tests/__init__.py": "", "tests/test_ops.py": "def test_nothing():\n    assert True\n"}
    inst = make_instance(tmp / "repos", "toy/mathy", base, {"mathy/ops.py": "def add(a, b):\n    return a + b\n"},
                         {"tests/test_ops.py": "from mathy.ops import add\n\n\ndef test_nothing():\n    assert True\n\n\n"
                          "def test_add():\n    assert add(2, 3) == 5\n"},
                         test_command="python -m pytest -rA -p no:cacheprovider tests/test_ops.py", log_parser="parse_log_pytest",
                         fail_to_pass=["tests/test_ops.py::test_add"], pass_to_pass=["tests/test_ops.py::test_nothing"])
    env = OwnEnvironment("local", tmp / "repos", pm)
    for rid, preds in (("gold", gold_predictions([inst])), ("empty", empty_predictions([inst]))):
        run([inst], preds, env, RunOptions(run_id=rid, output=tmp / "swe"))
    return tmp / "swe"


# ---------------------------------------------------------------- unit


def test_wilson_and_bootstrap():
    lo, hi = wilson(8, 10)
    assert round(lo, 4) == 0.4902 and round(hi, 4) == 0.9433  # textbook values
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)
    assert bootstrap([0.5, 1.0, 0.0, 0.25]) == bootstrap([0.5, 1.0, 0.0, 0.25])  # seeded
    assert interval([1.0, 0.0])[0] == "wilson" and interval([0.5, 1.0])[0] == "bootstrap"
    lo, hi = interval([0.5, 1.0, 0.0, 0.25])[1:]
    assert 0.0 <= lo <= 0.4375 <= hi <= 1.0


def test_leaderboard_json_from_real_runs(runs):
    specs = [runs["he-canon-coder"], runs["he-half-coder"], runs["lcb-old-model"], runs["lcb-new-model"]]
    data = leaderboard(load_runs(specs))
    assert data["schema"] == "gauntlet.leaderboard" and data["schema_version"] == SCHEMA_VERSION
    he = next(b for b in data["boards"] if b["benchmark"] == "humaneval")
    assert [(r["rank"], r["model"], r["n"]) for r in he["rows"]] == [(1, "canon-coder", 12), (2, "half-coder", 12)]
    assert he["rows"][0]["score"] == 1.0 and he["rows"][1]["score"] == pytest.approx(8 / 12)
    assert he["rows"][1]["ci_method"] == "wilson" and he["rows"][1]["ci_low"] < 8 / 12 < he["rows"][1]["ci_high"]
    assert he["rows"][1]["outcomes"]["failed"] == 4
    lcb = next(b for b in data["boards"] if b["benchmark"] == "livecodebench")
    assert [(r["model"], r["score"]) for r in lcb["rows"]] == [("old-model", pytest.approx(4 / 6)), ("new-model", 0.5)]
    for r in lcb["rows"]:
        assert r["manifest"] == f"runs/livecodebench/{r['run_id']}/manifest.json"
        assert r["versions"]["gauntlet"] and r["dataset_fingerprint"].startswith("sha256:")


def test_different_fingerprints_are_never_ranked_together(runs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(runs["he-half-coder"], other)
    m = json.loads((other / "manifest.json").read_text())
    m["dataset_fingerprint"], m["run_id"] = "sha256:0000000000000000", "other-data"
    (other / "manifest.json").write_text(json.dumps(m))
    data = leaderboard(load_runs([runs["he-canon-coder"], f"half-coder-v2={other}"]))
    he = [b for b in data["boards"] if b["benchmark"] == "humaneval"]
    assert len(he) == 2 and all(len(b["rows"]) == 1 and b["rows"][0]["rank"] == 1 for b in he)
    # Both boards carry the dataset's name; the fingerprint's first digits tell them apart.
    assert all(b["title"].startswith("humaneval — ") and " instances) [" in b["title"] for b in he)
    assert {b["title"].rsplit(" [", 1)[1] for b in he} == {b["dataset_fingerprint"][7:15] + "]" for b in he}


def test_swebench_run_rows_and_drilldown_logs(runs):
    if runs["swe"] is None:
        pytest.skip(reason="swebench extra or gauntlet-python missing: no SWE-bench run")
    data = leaderboard(load_runs([runs["swe"]]))
    (board,) = data["boards"]
    assert [(r["model"], r["score"], r["outcomes"]["resolved"]) for r in board["rows"]] == [("gold", 1.0, 1), ("empty", 0.0, 0)]
    assert board["rows"][0]["seconds"] > 0 and board["rows"][0]["by_language"] == {"python": {"score": 1.0, "n": 1}}
    empty = next(r for r in load_runs([runs["swe"]]) if r.model == "empty")
    assert empty.rows[0].outcome == "failed" and empty.rows[0].detail == "unresolved"


def test_markdown_table(runs):
    md = markdown(leaderboard(load_runs([runs["he-canon-coder"], runs["he-half-coder"]])))
    assert "| 1 | canon-coder | 100.0% |" in md and "| 2 | half-coder | 66.7% |" in md
    assert re.search(r"\| \d+\.\d–\d+\.\d \| 12 \|", md)


def test_cli_build_and_serve(runs, tmp_path):
    site = tmp_path / "site"
    r = CliRunner().invoke(app, ["leaderboard", "build", str(runs["he-canon-coder"]), str(runs["lcb-old-model"]),
                                 "-o", str(site), "--models", str(runs["models"])])
    assert r.exit_code == 0, r.output
    for f in ("index.html", "app.js", "style.css", "leaderboard.json", "leaderboard.md", "problems.json"):
        assert (site / f).is_file()
    # Boards are titled by the dataset's file name, split and size; the grading machine's paths
    # (the dataset's directory, the run directories) appear nowhere in what is published or printed.
    lcb_title = "livecodebench — lcb_problems.jsonl (test, 6 instances)"
    assert lcb_title in " ".join(r.output.split())
    assert f"## {lcb_title}" in (site / "leaderboard.md").read_text()
    for f in site.rglob("*"):
        if f.is_file():
            text = f.read_text()
            assert str(DATA) not in text and str(runs["tmp"]) not in text, f
    data = json.loads((site / "leaderboard.json").read_text())
    for b in data["boards"]:
        for row in b["rows"]:
            assert (site / row["manifest"]).is_file()
    assert CliRunner().invoke(app, ["leaderboard", "build", str(tmp_path / "nope"), "-o", str(site)]).exit_code == 2
    proc = subprocess.Popen([sys.executable, "-m", "harness", "leaderboard", "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        import urllib.request

        with urllib.request.urlopen(url + "leaderboard.json", timeout=10) as resp:
            assert json.loads(resp.read())["schema_version"] == SCHEMA_VERSION
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---------------------------------------------------------------- browser


def _browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI (run ci/browser-setup.sh)")
        pytest.skip(reason="chromium is not installed (apt-get install chromium, or ci/browser-setup.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is missing in CI (pip install playwright)")
        pytest.skip(reason="playwright is not installed (pip install playwright; never `playwright install`)")
    return sync_playwright


def _models_order(page, board):
    return page.eval_on_selector_all(f'section[data-benchmark="{board}"] table.ranking tbody tr',
                                     "rows => rows.map(r => r.dataset.model)")


def test_site_in_headless_chromium(runs, tmp_path):
    sync_playwright = _browser()
    site = tmp_path / "site"
    specs = [runs["he-canon-coder"], runs["he-half-coder"], runs["lcb-old-model"], runs["lcb-new-model"]]
    if runs["swe"] is not None:
        specs.append(runs["swe"])
    build_site(specs, site, runs["models"])
    shots = Path(os.environ.get("GAUNTLET_SHOTS_DIR") or tmp_path / "shots")  # tests write no tracked file
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((site / "index.html").as_uri())
            page.wait_for_selector('section[data-benchmark="livecodebench"] table.ranking tbody tr')
            assert _models_order(page, "humaneval") == ["canon-coder", "half-coder"]
            page.screenshot(path=str(shots / "leaderboard-overview.png"), full_page=True)

            # Sort: Model ascending, then Score ascending puts the weaker model first.
            he = 'section[data-benchmark="humaneval"]'
            page.click(f'{he} th[data-key="score"]')
            assert page.get_attribute(f'{he} th[data-key="score"]', "aria-sort") == "ascending"
            assert _models_order(page, "humaneval") == ["half-coder", "canon-coder"]
            page.click(f'{he} th[data-key="model"]')
            assert _models_order(page, "humaneval") == ["canon-coder", "half-coder"]
            page.screenshot(path=str(shots / "leaderboard-sorted.png"), full_page=True)

            # Date window: from 2024-01-01 the ranking flips and new-model is flagged.
            lcb = 'section[data-benchmark="livecodebench"]'
            assert _models_order(page, "livecodebench") == ["old-model", "new-model"]
            assert page.locator(f"{lcb} tr.contaminated").count() == 0
            page.fill(f"{lcb} input.win-start", "2024-01-01")
            page.dispatch_event(f"{lcb} input.win-start", "change")
            assert _models_order(page, "livecodebench") == ["new-model", "old-model"]
            assert page.text_content(f'{lcb} tr[data-model="new-model"] td:nth-child(3)') == "100.0%"
            assert page.text_content(f'{lcb} tr[data-model="new-model"] td:nth-child(5)') == "3"
            assert "possibly contaminated" in page.text_content(f'{lcb} tr[data-model="new-model"]')
            assert page.locator(f"{lcb} tr.contaminated").count() == 1
            page.screenshot(path=str(shots / "leaderboard-date-window.png"), full_page=True)

            # Drill-down: half-coder's failed instances with the log excerpt.
            page.click(f'{he} tr[data-model="half-coder"] button.model')
            page.wait_for_selector("#drill:not([hidden])")
            assert page.locator("#drill-table tbody tr").count() == 12
            page.click('#drill-filter button[data-outcome="failed"]')
            assert page.locator('#drill-table tbody tr[data-outcome="failed"]').count() == 4
            assert page.locator("#drill-table tbody tr").count() == 4
            page.click("#drill-table tbody tr:first-child summary")
            assert page.is_visible("#drill-table tbody tr:first-child pre")
            page.screenshot(path=str(shots / "leaderboard-drilldown.png"), full_page=False)
            page.click("#drill-close")
            if runs["swe"] is not None:
                swe = 'section[data-benchmark="swebench"]'
                assert page.locator(f"{swe} svg.chart circle").count() == 2  # score against time
                page.click(f'{swe} tr[data-model="empty"] button.model')
                assert page.text_content("#drill-table tbody tr td:nth-child(2)") == "failed"
                assert "test_add" in page.text_content("#drill-table tbody tr pre")
                page.screenshot(path=str(shots / "leaderboard-swebench-drilldown.png"))
            assert errors == []
        finally:
            browser.close()


def test_generated_task_run_and_model_names(tmp_path):
    """A task-generation run (harness.tasks writes verdicts per mutation) reads as kept / not kept."""
    from harness.results import Manifest, RunWriter

    w = RunWriter(tmp_path / "gen", Manifest(benchmark="tasks", dataset="example/slugify", dataset_fingerprint="sha256:ab"))
    w.write("m1", {"verdict": "caught", "language": "python"})
    w.write("m2", {"verdict": "survived", "language": "python", "diff": "--- a\n+++ b\n"})
    (run,) = load_runs([f"mutator={tmp_path / 'gen'}"])
    assert run.model == "mutator" and [r.outcome for r in run.rows] == ["resolved", "failed"]
    assert run.rows[1].log.startswith("--- a")
    (run,) = load_runs([tmp_path])  # a folder of run directories; no model anywhere: the folder name
    assert run.model == "gen"
