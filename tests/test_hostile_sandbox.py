"""Hostile code under every sandbox backend: case x language x backend, seen from the host.

Each case of ``tests/hostile/<language>/`` (fork bomb, memory bomb, endless loop and sleep, output
floods, network, reading the host, writing outside the workspace, deleting it, killing the parent,
a daemon, filling the disk) runs through ``get_backend(name).open(...).exec(...)``, as Gauntlet runs
model code.  For each run the test asserts, from outside the sandbox:

- a clear verdict: the limit that fired (``killed_by_limit``), or the program's own report that
  it was denied (the network case exits 3 with the error);
- nothing left behind: no host process carries the run's token (in its environment or command
  line; ``/proc`` shows container processes too), and a container returned to the warm pool holds
  only its first process;
- no host change: the workspace handed to ``open`` and a canary file outside it are unchanged;
- the harness serves the next job: a fresh session on the same backend runs the "ok" program.

Where a backend cannot contain a case (the local backend runs as the calling user and sees the host
file system), the test asserts that ``protections`` says so, and records the case as not contained.
``GAUNTLET_HOSTILE_REPORT=path.json`` writes the verified table (``python tests/hostile/report.py``
renders it for SECURITY.md).  Docker runs skip when no daemon answers or an image is not built;
local runs skip when the language's toolchain is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import observe
from hostile.builds import Builds
from hostile.corpus import CASES, LANGUAGES, TIMEOUT_CASES

from harness.sandbox import Limits

LIMITS = Limits(timeout=60, memory_mb=256, processes=64, file_size_mb=8, output_bytes=64 << 10,
                output_kill_bytes=4 << 20)
SHORT_TIMEOUT = 2.0  # the timeout of the endless cases
BACKENDS = ("local", "docker")
REPORT: list[dict] = []


@dataclass
class Host:
    """What the host holds that sandboxed code must not reach: a secret in the harness's environment,
    a canary file in a stand-in home directory, and a file outside the workspace."""

    secret: str
    canary: Path
    canary_text: str
    outside: Path
    outside_text: str


@pytest.fixture
def host(tmp_path, monkeypatch):
    secret = "hostile-secret-" + secrets.token_hex(8)
    monkeypatch.setenv("GAUNTLET_HOSTILE_SECRET", secret)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    home = tmp_path / "host-home" / ".ssh"
    home.mkdir(parents=True)
    canary, outside = home / "id_canary", tmp_path / "outside.txt"
    h = Host(secret, canary, "canary-" + secrets.token_hex(8), outside, "outside-" + secrets.token_hex(8))
    canary.write_text(h.canary_text)
    outside.write_text(h.outside_text)
    return h


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    b = Builds(tmp_path_factory)
    yield b
    if os.environ.get("GAUNTLET_HOSTILE_REPORT"):
        Path(os.environ["GAUNTLET_HOSTILE_REPORT"]).write_text(json.dumps(REPORT, indent=1))


# -- the verdict of each case: asserts it, returns (contained, what the outcome says) --------------
def _fork_bomb(r, s, host):
    assert r.exit_code != 0 and not r.timed_out, r
    if s.protections.get("pids_cgroup"):
        assert r.killed_by_limit == "processes", r
        return True, "processes"
    return True, f"exit {r.exit_code} (RLIMIT_NPROC; no pids cgroup, so no verdict)"


def _memory_bomb(r, s, host):
    assert r.exit_code != 0 and r.killed_by_limit == "memory", r
    return True, "memory"


def _endless(r, s, host):
    assert r.timed_out and r.killed_by_limit == "timeout", r
    return True, "timeout"


def _flood(r, s, host):
    assert r.killed_by_limit == "output" and r.truncated, r.killed_by_limit
    assert len(r.stdout) + len(r.stderr) < 4 * LIMITS.output_bytes
    return True, "output"


def _network(r, s, host):
    assert "CONNECTED" not in r.stdout or not s.protections["network_isolated"]
    if not s.protections["network_isolated"]:
        return False, "not isolated (protections: network_isolated=False)"
    assert r.exit_code == 3 and "network denied" in r.stderr, r
    return True, "network denied (connect fails, exit 3)"


def _read_host(r, s, host):
    assert host.secret not in r.output, "a secret of the harness's environment reached the sandbox"
    assert f"HOME {Path.home()} " not in r.stdout, "the sandbox got the harness's HOME"
    if s.protections["filesystem_isolated"]:
        assert host.canary_text not in r.output, "a host file was readable"
        return True, "env scrubbed, host files invisible"
    assert "CANARY:" + host.canary_text in r.stdout  # the documented gap, checked to be exactly that
    return False, "env scrubbed; host files readable (protections: filesystem_isolated=False)"


def _write_outside(r, s, host):
    if s.protections["filesystem_isolated"]:
        assert "WROTE" not in r.stdout and r.exit_code != 0, r
        return True, "write fails; host file unchanged"
    assert host.outside.read_text() == "pwned by write_outside"  # the documented gap
    host.outside.write_text(host.outside_text)
    return False, "host file overwritten (protections: filesystem_isolated=False)"


def _delete_workspace(r, s, host):
    assert "DELETED" in r.stdout, r
    return True, "only the private copy is deleted"


def _kill_parent(r, s, host):
    assert "SURVIVED" not in r.stdout and r.exit_code == 137, r
    return True, "kills only its own group (exit 137)"


def _daemon(r, s, host):
    assert r.exit_code == 0 and "DAEMON started" in r.stdout, r
    return True, "daemon killed when the command returns"


def _fill_disk(r, s, host):
    assert r.exit_code != 0 and r.killed_by_limit == "file_size", r
    size = int(s.exec(["sh", "-c", "wc -c < fill.bin"]).stdout.strip() or 0)
    assert size <= LIMITS.file_size_mb << 20
    return True, "file_size"


CHECKS = {"fork_bomb": _fork_bomb, "memory_bomb": _memory_bomb, "infinite_loop": _endless,
          "sleep_past_timeout": _endless, "flood_stdout": _flood, "flood_stderr": _flood, "network": _network,
          "read_host": _read_host, "write_outside": _write_outside, "delete_workspace": _delete_workspace,
          "kill_parent": _kill_parent, "daemon": _daemon, "fill_disk": _fill_disk}


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("case", CASES)
def test_hostile_case_is_contained(case, language, backend_name, builds, host):
    ws, image = builds.get(language, backend_name)
    backend, lang = builds.backend(backend_name), LANGUAGES[language]
    token = "hostile-run-" + secrets.token_hex(8)
    arg = {"read_host": str(host.canary), "write_outside": str(host.outside),
           "daemon": f"{secrets.randbelow(9000) + 1000}.{secrets.randbelow(10**6):06d}"}.get(case, "-")
    before = observe.tree_digest(ws)
    session = backend.open(ws, image=image, limits=LIMITS, cache_key=f"hostile-{language}")
    container = getattr(getattr(session, "_ct", None), "id", None)
    if container:
        builds.containers.add(container)
    sentinel = None
    try:
        if case == "kill_parent" and not session.protections.get("pid_namespace", backend_name == "docker"):
            REPORT.append(dict(case=case, language=language, backend=backend_name, contained=False,
                               verdict="not run: no PID namespace (protections: pid_namespace=False)"))
            pytest.skip(reason="no PID namespace here: kill(getppid()) would kill the harness (reported in protections)")
        # A process of the same user outside the sandbox: kill(-1) must not reach it.
        sentinel = subprocess.Popen(["sleep", "600"]) if case == "kill_parent" else None
        r = session.exec(lang.argv(case, arg), env={"HOSTILE_RUN": token},
                         timeout=SHORT_TIMEOUT if case in TIMEOUT_CASES else None)
        assert not observe.wait_gone(token), f"{case} left processes behind after its command returned"
        contained, verdict = CHECKS[case](r, session, host)
        after = session.exec(["true"])  # the session still answers with a result, never an exception
        assert after.exit_code is not None
        if sentinel is not None:
            assert sentinel.poll() is None, "kill(-1) reached a host process outside the sandbox"
    finally:
        session.close()
        if sentinel is not None:
            sentinel.kill()
            sentinel.wait()
    assert not observe.wait_gone(token)
    if container:
        exists, procs = observe.container_state(container)
        assert not exists or not procs, f"the container kept the command's processes after close: {procs}"
    assert observe.tree_digest(ws) == before, "the workspace handed to open() changed"
    assert host.canary.read_text() == host.canary_text and host.outside.read_text() == host.outside_text
    with backend.open(ws, image=image, limits=LIMITS, cache_key=f"hostile-{language}") as nxt:
        ok = nxt.exec(lang.argv("ok", "-"))
        assert (ok.exit_code, ok.stdout) == (0, "ok\n"), ok
        if getattr(nxt, "_ct", None) is not None:
            builds.containers.add(nxt._ct.id)
    REPORT.append(dict(case=case, language=language, backend=backend_name, contained=contained, verdict=verdict,
                       exec_path=session.protections.get("exec_path", "")))


def test_docker_containers_are_all_removed(builds):
    """After the pool is drained, none of the containers the cases used exists (``docker ps -a``)."""
    if not builds.containers:
        pytest.skip(reason="no Docker case ran")
    from harness.sandbox.docker import _pool

    _pool.drain()
    left = [c for c in builds.containers if observe.container_state(c)[0]]
    assert not left, f"containers left behind: {left}"
