"""SWE-bench end to end in each plugin language, own-environment mode, under both backends.

For a small Rust crate, Go module and Node package created here: the gold patch resolves, the
empty patch does not, a test-editing patch is flagged, and the report equals swebench's own
``get_eval_report`` on the same log.  The eval scripts have the official shape and are graded by
swebench's own parsers (``parse_log_cargo``, ``parse_log_gotest``, ``parse_log_tap``).  Under
Docker the instance image is built on the plugin's image with its prepare step (network at build
time only); the evaluation has no network.
"""

import json
import os
import shutil

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from swe_fixtures import make_instance  # noqa: E402

from harness.benchmarks.swebench.environments import OfficialEnvironment, OwnEnvironment  # noqa: E402
from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions  # noqa: E402
from harness.benchmarks.swebench.run import RunOptions, run  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402
from harness.testing import docker_or_skip  # noqa: E402

RUST = dict(
    tool="cargo",
    base={
        "Cargo.toml": '[package]\nname = "toy"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/lib.rs": "pub fn add(a: i64, b: i64) -> i64 {\n    a - b\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n",
        "tests/ops.rs": "#[test]\nfn mul_works() {\n    assert_eq!(toy::mul(2, 3), 6);\n}\n",
    },
    fix={"src/lib.rs": "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n"},
    new_tests={"tests/ops.rs": "#[test]\nfn mul_works() {\n    assert_eq!(toy::mul(2, 3), 6);\n}\n\n"
               "#[test]\nfn add_works() {\n    assert_eq!(toy::add(2, 3), 5);\n}\n"},
    test_command="cargo test --offline --no-fail-fast -- --test-threads 1",
    log_parser="parse_log_cargo",
    fail_to_pass=["add_works"],
    pass_to_pass=["mul_works"],
    test_edit=("tests/ops.rs", "assert_eq!(toy::mul(2, 3), 6);", "assert!(true);"),
)

GO = dict(
    tool="go",
    base={
        "go.mod": "module example.com/toy\n\ngo 1.19\n",
        "ops/ops.go": "package ops\n\nfunc Add(a, b int) int { return a - b }\n\nfunc Mul(a, b int) int { return a * b }\n",
        "ops/ops_test.go": 'package ops\n\nimport "testing"\n\nfunc TestMul(t *testing.T) {\n'
                           '\tif Mul(2, 3) != 6 {\n\t\tt.Fatal("mul")\n\t}\n}\n',
    },
    fix={"ops/ops.go": "package ops\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Mul(a, b int) int { return a * b }\n"},
    new_tests={"ops/ops_test.go": 'package ops\n\nimport "testing"\n\nfunc TestMul(t *testing.T) {\n'
               '\tif Mul(2, 3) != 6 {\n\t\tt.Fatal("mul")\n\t}\n}\n\n'
               "func TestAdd(t *testing.T) {\n\tfor _, c := range []struct{ a, b, want int }{{2, 3, 5}, {0, 0, 0}} {\n"
               '\t\tt.Run("case", func(t *testing.T) {\n\t\t\tif got := Add(c.a, c.b); got != c.want {\n'
               '\t\t\t\tt.Fatalf("Add = %d", got)\n\t\t\t}\n\t\t})\n\t}\n}\n'},
    test_command="go test -v -count=1 ./...",
    log_parser="parse_log_gotest",
    fail_to_pass=["TestAdd", "TestAdd/case"],
    pass_to_pass=["TestMul", "TestAdd/case#01"],
    test_edit=("ops/ops_test.go", "Mul(2, 3) != 6", "false"),
)

NODE = dict(
    tool="node",
    base={
        "package.json": '{"name": "toy", "version": "0.1.0", "private": true, "scripts": {"test": "node --test"}}\n',
        "package-lock.json": '{"name": "toy", "version": "0.1.0", "lockfileVersion": 3, "requires": true,\n'
                             ' "packages": {"": {"name": "toy", "version": "0.1.0"}}}\n',
        "src/ops.js": "exports.add = (a, b) => a - b;\nexports.mul = (a, b) => a * b;\n",
        "test/ops.test.js": "const test = require('node:test');\nconst assert = require('node:assert');\n"
                            "const { mul } = require('../src/ops');\n\ntest('mul works', () => assert.strictEqual(mul(2, 3), 6));\n",
    },
    fix={"src/ops.js": "exports.add = (a, b) => a + b;\nexports.mul = (a, b) => a * b;\n"},
    new_tests={"test/ops.test.js": "const test = require('node:test');\nconst assert = require('node:assert');\n"
               "const { add, mul } = require('../src/ops');\n\ntest('mul works', () => assert.strictEqual(mul(2, 3), 6));\n"
               "test('add works', () => assert.strictEqual(add(2, 3), 5));\n"},
    test_command="node --test --test-reporter=tap test/ops.test.js",
    log_parser="parse_log_tap",
    fail_to_pass=["- add works"],
    pass_to_pass=["- mul works"],
    test_edit=("test/ops.test.js", "assert.strictEqual(mul(2, 3), 6)", "assert.ok(true)"),
)

LANGUAGES = {"rust": RUST, "go": GO, "typescript": NODE}


@pytest.fixture(params=sorted(LANGUAGES))
def case(request, tmp_path):
    language = request.param
    spec = LANGUAGES[language]
    if language not in get_plugin_manager().languages():
        pytest.skip(reason=f"gauntlet-{language} is not installed (pip install -e plugins/{language})")
    if not shutil.which(spec["tool"]):
        pytest.skip(reason=f"{spec['tool']} is not on PATH")
    fields = {k: spec[k] for k in ("base", "fix", "new_tests", "test_command", "log_parser", "fail_to_pass", "pass_to_pass")}
    instance = make_instance(tmp_path / "repos", f"toy/{language}", **fields)
    instance["language"] = language
    path, old, new = spec["test_edit"]
    edit = _test_edit_patch(tmp_path / "repos" / f"toy__{language}", path, old, new)
    return language, instance, edit


def _test_edit_patch(repo, path, old, new):
    """A patch that only weakens an existing test (what a reward hacker would send)."""
    from swe_fixtures import diff_of

    text = (repo / path).read_text()
    assert old in text
    return diff_of(repo, {path: text.replace(old, new)})


def evaluate(tmp_path, backend, instance, preds, **kw):
    env = OwnEnvironment(backend, tmp_path / "repos", get_plugin_manager())
    opts = RunOptions(run_id=kw.pop("run_id"), output=tmp_path / "out", **kw)
    return run([instance], preds, env, opts)


def check_language(tmp_path, backend, language, instance, edit):
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    iid = instance["instance_id"]
    gold = evaluate(tmp_path, backend, instance, gold_predictions([instance]), run_id="gold")
    log_dir = tmp_path / "out" / "gold" / "gold" / iid
    assert gold["resolved_ids"] == [iid], (log_dir / "test_output.txt").read_text()[-3000:]
    # the report is exactly swebench's own grading of the same log
    ours = json.loads((log_dir / "report.json").read_text())
    theirs = get_eval_report(make_test_spec(instance), {"instance_id": iid, "model_patch": instance["patch"],
                             "model_name_or_path": "gold"}, str(log_dir / "test_output.txt"), include_tests_status=True)
    assert ours == theirs
    assert sorted(ours[iid]["tests_status"]["FAIL_TO_PASS"]["success"]) == sorted(instance["FAIL_TO_PASS"])

    evaluate(tmp_path, backend, instance, empty_predictions([instance]), run_id="empty")
    rec = json.loads((tmp_path / "out" / "empty" / "results.jsonl").read_text().splitlines()[0])
    assert rec["status"] == "unresolved"
    assert rec["report"][iid]["tests_status"]["PASS_TO_PASS"]["failure"] == []

    hack = {iid: {"instance_id": iid, "model_name_or_path": "hacker", "model_patch": edit}}
    evaluate(tmp_path, backend, instance, hack, run_id="hack", reject_test_edits=True)
    rec = json.loads((tmp_path / "out" / "hack" / "results.jsonl").read_text().splitlines()[0])
    assert rec["status"] == "rejected" and rec["test_edits"]


def test_gold_resolves_empty_does_not_local(tmp_path, case):
    check_language(tmp_path, "local", *case)


@pytest.fixture
def docker_images():
    """Docker is required here (skip locally, fail in CI); the instance images made are removed after."""
    docker_or_skip()
    from harness.sandbox import images

    before = {i.id for i in images.client().images.list()}
    yield images
    client = images.client()
    for img in client.images.list():
        if img.id not in before and any(t.startswith("gauntlet-swe/") or t.startswith("swebench/") for t in img.tags):
            for c in client.containers.list(all=True, filters={"ancestor": img.id, "label": "gauntlet=1"}):
                c.remove(force=True)  # warm-pool containers of this image
            client.images.remove(img.id, force=True)


def test_gold_resolves_empty_does_not_docker(tmp_path, case, docker_images):
    check_language(tmp_path, "docker", *case)
    manifest = json.loads((tmp_path / "out" / "gold" / "manifest.json").read_text())
    assert any(name.startswith("gauntlet-swe/") for name in manifest["images"]), manifest["images"]


def test_official_image_path(tmp_path, case, docker_images):
    """The official-image mode on a locally built image tagged with the instance's official name
    (swebench/sweb.eval.x86_64.<id>:latest): the row's image, eval script and parser, no network."""
    language, instance, _ = case
    env = OwnEnvironment("docker", tmp_path / "repos", get_plugin_manager())
    with env.open(instance) as (session, _testbed):
        built = session.protections["image"]
    official = f"swebench/sweb.eval.x86_64.{instance['instance_id'].lower().replace('__', '_1776_')}:latest"
    docker_images.client().images.get(built).tag(official)
    instance = {**instance, "image": official}
    shutil.rmtree(tmp_path / "repos")  # the official mode needs no repository

    volumes_before = _my_cache_volumes(docker_images)
    opts = RunOptions(run_id="official", output=tmp_path / "out")
    gold = run([instance], gold_predictions([instance]), OfficialEnvironment(pull=False), opts)
    assert gold["resolved_ids"] == [instance["instance_id"]]
    opts = RunOptions(run_id="official-empty", output=tmp_path / "out")
    empty = run([instance], empty_predictions([instance]), OfficialEnvironment(pull=False), opts)
    assert empty["resolved_ids"] == [] and empty["empty_patch_ids"] == [instance["instance_id"]]
    manifest = json.loads((tmp_path / "out" / "official" / "manifest.json").read_text())
    assert official in manifest["images"]
    assert manifest["args"]["network"] is True  # the official harness's containers have network
    # CPU time and the container's peak memory (its cgroup) are in the record
    rec = json.loads((tmp_path / "out" / "official" / "results.jsonl").read_text())
    assert rec["cpu_seconds"] > 0 and rec["peak_memory_mb"] > 1, rec
    # each instance's cache volume is labelled and gone with its instance
    assert _my_cache_volumes(docker_images) <= volumes_before


def _my_cache_volumes(images) -> set[str]:
    """The cache volumes of workspace copies that this process made (labelled with its pid)."""
    return {v.name for v in images.client().volumes.list(filters={"label": images.CACHE_WORKSPACE_LABEL})
            if v.attrs["Labels"].get(images.OWNER_LABEL, "").endswith(f":{os.getpid()}")}


def test_official_image_missing_is_an_infrastructure_error(tmp_path, case, docker_images):
    language, instance, _ = case
    instance = {**instance, "image": "swebench/sweb.eval.x86_64.no_such_image:latest"}
    summary = run([instance], gold_predictions([instance]), OfficialEnvironment(pull=False),
                  RunOptions(run_id="missing", output=tmp_path / "out"))
    assert summary["error_ids"] == [instance["instance_id"]]
    rec = json.loads((tmp_path / "out" / "missing" / "results.jsonl").read_text().splitlines()[0])
    assert rec["status"] == "error" and "swebench/sweb.eval.x86_64.no_such_image" in rec["error"]


def test_cache_volumes_are_labelled_and_removed(tmp_path):
    """A session's cache volume is labelled with its workspace; ``discard`` (an instance's end)
    removes it, and ``prune`` removes one whose workspace is gone."""
    docker_or_skip()
    from harness.sandbox import get_backend, images

    ws = tmp_path / "ws"
    ws.mkdir()
    session = get_backend("docker").open(ws, image=images.BOOTSTRAP_NAME)
    name = f"gauntlet-cache-{session._ct.cache_key}"
    labels = images.client().volumes.get(name).attrs["Labels"]
    assert labels[images.CACHE_WORKSPACE_LABEL].endswith(f":{ws.resolve()}") and labels[images.LABEL] == "1"
    session.discard()
    assert name not in {v.name for v in images.client().volumes.list()}

    stray = images.client().volumes.create("gauntlet-cache-test-stray", labels=images.cache_volume_labels(str(tmp_path / "gone")))
    kept = images.client().volumes.create("gauntlet-cache-test-kept", labels=images.cache_volume_labels(str(tmp_path)))
    try:
        images.prune_cache_volumes()  # what ``gauntlet images prune`` does for volumes
        left = {v.name for v in images.client().volumes.list()}
        assert stray.name not in left and kept.name in left
    finally:
        for v in (stray, kept):
            try:
                v.remove()
            except Exception:  # removed by the test
                pass
