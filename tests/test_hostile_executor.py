"""Hostile stand-alone Python solutions under the solution executor, seen from the host.

Each solution of ``tests/hostile/python_solutions/`` (the container engine's socket, secrets in the
real home and in /proc, writing to host directories, signals and ptrace against the harness,
processes left behind) runs through ``Executor.run_script`` as a graded solution would.  For each the
test asserts, from outside: a verdict came back; no process carries the run's token at the moment
``run_script`` returns (the token is set in the solution's environment, which /proc shows for what it
executes); nothing outside changed; the next request passes.

The executor returns a verdict and the message of the exception a solution ended with, not its
output: each solution ends with ``SystemExit`` naming what it reached.  Where only a file-system jail
contains a case, the test asserts containment when ``protections["filesystem_isolated"]`` says so,
and otherwise checks the gap is exactly that and records the case as not contained:
``GAUNTLET_HOSTILE_REPORT=path.json`` adds an "executor" column to the table of
``test_hostile_sandbox.py``.  setuid is covered by ``test_hostile_sandbox.py`` only.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import observe, report

from harness.benchmarks.executor import Executor, ExecutorError

SOLUTIONS = Path(__file__).parent / "hostile" / "python_solutions"
REPORT: list[dict] = []


@dataclass
class Host:
    """What the host holds that solutions must not reach, and the run's token."""

    token: str
    secret: str
    secret_file: Path
    write_targets: tuple[Path, ...]


COLUMNS = {"local": "executor", "docker": "executor-docker"}


@pytest.fixture(scope="module", params=list(COLUMNS))
def ex(request):
    """The executor with its workers in the local jail, then in containers (skipped without Docker
    here, failed without it in CI)."""
    try:
        e = Executor(workers=1, backend=request.param)
    except ExecutorError as err:
        if request.param == "local" or os.environ.get("CI") == "true":
            raise
        pytest.skip(reason=f"no Docker engine or Python image here: {err}")
    e.column = COLUMNS[request.param]
    with e:
        yield e
    if os.environ.get("GAUNTLET_HOSTILE_REPORT"):
        report.save(Path(os.environ["GAUNTLET_HOSTILE_REPORT"]), [r for r in REPORT if r["backend"] == e.column],
                    (e.column,))


@pytest.fixture
def host(monkeypatch):
    secret = "hostile-secret-" + secrets.token_hex(8)
    monkeypatch.setenv("GAUNTLET_HOSTILE_SECRET", secret)
    name = "gauntlet-hostile-" + secrets.token_hex(8)
    targets = observe.write_targets(name)
    h = Host("hostile-run-" + secrets.token_hex(8), secret, Path.home() / f".{name}", targets)
    h.secret_file.write_text(secret)
    # Another process of the harness's user, the secret in its environment: /proc must not show it.
    sentinel = subprocess.Popen(["sleep", "600"])
    yield h
    sentinel.kill()
    sentinel.wait()
    for path in (h.secret_file, *h.write_targets):
        path.unlink(missing_ok=True)
    for pid in observe.processes_with(h.token):  # a failing case must not leave loopers on the host
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _solution(name: str, host: Host) -> str:
    text = (SOLUTIONS / f"{name}.py").read_text()
    for placeholder, value in (("SECRET_PATH", str(host.secret_file)), ("TARGETS", ",".join(map(str, host.write_targets))),
                               ("HARNESS_PID", str(os.getpid()))):
        text = text.replace(placeholder, value)
    return f'import os\nos.environ["HOSTILE_RUN"] = "{host.token}"  # the run\'s token: {host.token}\n{text}'


# -- the verdict of each solution: asserts it, returns (contained, what the outcome says) ----------
def _docker_socket(r, protections, host):
    assert r["verdict"] == "runtime_error", r
    if protections.get("filesystem_isolated"):
        assert "SOCKET-REACHED" not in r["result"], r
        return True, "no engine socket reachable"
    seen = "an engine socket answered" if "SOCKET-REACHED" in r["result"] else "no engine socket here; none hidden"
    return False, f"{seen} (protections: filesystem_isolated=False)"


def _read_secrets(r, protections, host):
    assert r["verdict"] == "runtime_error" and "PROCS" in r["result"], r
    procs = int(re.search(r"PROCS (\d+)", r["result"]).group(1))
    readable = re.search(r"ENVIRON ([\d ]*)", r["result"]).group(1).split()
    if protections.get("filesystem_isolated"):
        assert host.secret not in r["result"], "the secret leaked: from the real home, or another process's environment"
        assert str(os.getpid()) not in readable, "the harness's environment was readable"
        assert procs < 20, f"/proc shows {procs} processes: the host's, not the sandbox's"
        return True, "home secret invisible; /proc shows only the sandbox"
    assert "SECRET-FILE:" + host.secret in r["result"], r  # the documented gap
    return False, "home secret and other processes' environments readable (protections: filesystem_isolated=False)"


def _write_host(r, protections, host):
    assert r["verdict"] == "runtime_error", r
    landed = [p for p in host.write_targets if p.exists()]
    if protections.get("filesystem_isolated"):
        # A WROTE may name the solution's own /tmp or /dev/shm; what counts is that no host path appeared.
        assert not landed, f"writes reached the host: {landed}"
        return True, "no host directory written"
    assert landed and "WROTE" in r["result"], r  # the documented gap
    for path in landed:
        path.unlink()
    return False, f"host files created in {', '.join(str(p.parent) for p in landed)} (protections: filesystem_isolated=False)"


def _signal_harness(r, protections, host):
    assert r["verdict"] == "runtime_error" and "ALIVE" in r["result"], r  # and the harness is alive
    if protections.get("filesystem_isolated"):
        assert "PTRACE parent ok" not in r["result"], r
        return True, "signals reach nothing outside; ptrace of the worker denied"
    reached = [t for t in ("harness", "parent", "init") if f"SIGNAL {t} ok" in r["result"]]
    traced = "; ptrace of the worker allowed" if "PTRACE parent ok" in r["result"] else ""
    return False, f"kill() accepted for: {', '.join(reached) or 'none'}{traced} (protections: filesystem_isolated=False)"


def _leftover(r, protections, host):
    assert r["verdict"] == "passed", r
    return True, "no process outlives its request"


CHECKS = {"docker_socket": _docker_socket, "read_secrets": _read_secrets, "write_host": _write_host,
          "signal_harness": _signal_harness, "leftover": _leftover}


@pytest.mark.parametrize("name", list(CHECKS))
def test_hostile_solution_is_contained(name, ex, host):
    if name == "signal_harness" and not ex.protections["pid_namespace"]:
        REPORT.append(dict(case=name, language="python", backend=ex.column, contained=False,
                           verdict="not run: no PID namespace (protections: pid_namespace=False)"))
        pytest.skip(reason="no PID namespace here: the kills would reach this test and the worker (reported in protections)")
    r = ex.run_script(_solution(name, host), timeout=10.0)
    left = observe.processes_with(host.token)  # at the moment run_script returns: no waiting
    assert not left, f"{name} left processes running when run_script returned: {left}"
    contained, verdict = CHECKS[name](r, ex.protections, host)
    assert not observe.wait_gone(host.token)
    assert host.secret_file.read_text() == host.secret
    assert not [p for p in host.write_targets if p.exists()], "a host file was created"
    assert ex.run_script("assert 1 + 1 == 2")["verdict"] == "passed"
    assert ex.restarts == 0
    REPORT.append(dict(case=name, language="python", backend=ex.column, contained=contained, verdict=verdict))
