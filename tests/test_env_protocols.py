"""The environment over HTTP (``gauntlet serve-env``, a real server process) and MCP (driven by the
``mcp`` SDK's own stdio client): create / step / close, bounds, idle reclaim, a killed server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy  # noqa: E402

from harness.env.tools import TOOLS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _call(url: str, method: str = "GET", body=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _server(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str, Path]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "harness", "serve-env", "--port", "0", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = json.loads(proc.stdout.readline())
    return proc, line["url"], Path(line["pid_dir"])


def _jails_under(path: Path) -> list[int]:
    """Processes whose command line names ``path`` (the server's sandboxes)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if str(path).encode() in (d / "cmdline").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


@pytest.fixture
def task(tmp_path):
    return {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}


def test_http_server_episodes_bounds_idle_reclaim_and_kill(tmp_path, task):
    _, file, good, bug, _, _ = BUGS["python"]
    traj = tmp_path / "traj.jsonl"
    proc, url, where = _server(tmp_path, "--max-episodes", "2", "--idle-timeout", "6", "--trajectories", str(traj))
    try:
        code, one = _call(f"{url}/episodes", "POST", {"task": task, "options": {"max_steps": 20}})
        assert code == 201 and "slugify/core.py" in one["observation"]["data"]["files"]
        code, two = _call(f"{url}/episodes", "POST", {"task": task})
        assert code == 201
        code, busy = _call(f"{url}/episodes", "POST", {"task": task})
        assert code == 503 and "2 episodes are open" in busy["error"]
        assert _call(f"{url}/episodes", "POST", {"task": task, "options": {"network": True}})[0] == 400
        assert _call(f"{url}/episodes", "POST", {"task": {"kind": "nothing"}})[0] == 400
        step = f"{url}/episodes/{one['episode_id']}/step"
        for _ in range(3):  # episode two goes idle meanwhile; one stays busy (a margin over a loaded machine)
            code, obs = _call(step, "POST", {"text": '{"name": "read_file", "arguments": {"path": "nope"}}'})
            assert code == 200 and obs["observation"]["data"]["kind"] == "tool_error"
            time.sleep(1)
        _call(step, "POST", {"name": "edit", "arguments": {"path": file, "old": bug, "new": good}})
        code, end = _call(step, "POST", {"name": "submit", "arguments": {}})
        assert end["observation"]["done"] and end["observation"]["reward"] == 1.0
        code, closed = _call(f"{url}/episodes/{one['episode_id']}", "DELETE")
        assert code == 200 and closed["record"]["resolved"]
        deadline = time.time() + 30
        while _call(f"{url}/health")[1]["reclaimed"] < 1 and time.time() < deadline:
            time.sleep(0.5)
        assert _call(f"{url}/health")[1] == {"ok": True, "episodes": 0, "max_episodes": 2, "idle_timeout": 6.0, "reclaimed": 1}
        assert _call(f"{url}/episodes/{two['episode_id']}/step", "POST", {"name": "git_diff"})[0] == 404
        lines = [json.loads(line) for line in traj.read_text().splitlines()]
        assert {r["episode_id"]: r["submitted"] for r in lines} == {one["episode_id"]: True, two["episode_id"]: False}
        # a killed server: its jails die with it, and the next server removes what it left
        assert _call(f"{url}/episodes", "POST", {"task": task})[0] == 201
        assert _jails_under(where)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        deadline = time.time() + 20
        while _jails_under(where) and time.time() < deadline:
            time.sleep(0.2)
        assert not _jails_under(where) and where.exists()
        proc, url, again = _server(tmp_path)
        assert not where.exists() and again.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert not again.exists()  # SIGTERM: every episode closed, the directory removed


def test_http_submit_grades_a_rollout_the_model_did_not_submit(tmp_path, task):
    """A client whose rollout ended first (verifiers' max turns) grades the episode as a budget does; the
    grading is not a call of the model's."""
    from harness.env.client import EnvClient

    _, file, good, bug, _, _ = BUGS["python"]
    proc, url, _ = _server(tmp_path)
    try:
        client = EnvClient(url)
        eid, _ = client.create(task)
        client.step(eid, {"name": "edit", "arguments": {"path": file, "old": bug, "new": good}})
        end = client.submit(eid)
        assert end["done"] and end["reward"] == 1.0
        assert client.submit(eid)["reward"] == 1.0  # again: the same grade, not a second grading
        record = client.close(eid)
        assert record["resolved"] and record["metrics"]["calls"] == 1, record["metrics"]
        assert _call(f"{url}/episodes/{eid}/submit", "POST")[0] == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def _mcp_servers() -> list:
    """Pythons to run the server with: this one (its mcp) and, where CI made it, the verifiers 0.4 venv
    (mcp 2.x, Gauntlet installed there); the client is always this one's, so the other is a cross-version run."""
    side = os.environ.get("GAUNTLET_VERIFIERS4_PYTHON")
    return [pytest.param(sys.executable, id="this-python"),
            pytest.param(side, id="mcp2-venv", marks=pytest.mark.skipif(
                not side or not Path(side).exists(), reason="GAUNTLET_VERIFIERS4_PYTHON (a venv with mcp 2.x) is not set"))]


@pytest.mark.parametrize("server_python", _mcp_servers())
def test_mcp_server_with_the_sdk_client(task, tmp_path, server_python):
    pytest.importorskip("mcp", reason="the mcp SDK is not installed (pip install gauntlet-harness[env])")
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    _, file, good, bug, _, _ = BUGS["python"]
    traj = tmp_path / "traj.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    params = StdioServerParameters(command=server_python, cwd=str(ROOT), env=env,
                                   args=["-m", "harness", "serve-env-mcp", "--task", json.dumps(task),
                                         "--trajectories", str(traj)])

    def result(r) -> dict:  # mcp 1.x names its fields in camelCase, 2.x in snake_case with camelCase aliases
        return r.model_dump(by_alias=True)

    async def drive() -> dict:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            init = await session.initialize()
            assert "slugify/core.py" in init.instructions
            tools = await session.list_tools()
            assert [t.name for t in tools.tools] == list(TOOLS)
            problem = await session.read_resource("task://problem")
            assert "tests pass" in problem.contents[0].text
            bad = result(await session.call_tool("read_file", {"path": 7}))
            assert bad["isError"] and "not of type 'string'" in bad["content"][0]["text"]
            hit = result(await session.call_tool("search", {"pattern": bug, "path": "slugify"}))
            assert hit["structuredContent"]["data"]["matches"][0]["file"] == file
            assert not result(await session.call_tool("edit", {"path": file, "old": bug, "new": good}))["isError"]
            end = result(await session.call_tool("submit", {}))
            return end["structuredContent"]

    end = anyio.run(drive)
    assert end["done"] and end["reward"] == 1.0
    deadline = time.time() + 30
    while not traj.exists() and time.time() < deadline:
        time.sleep(0.2)
    rec = json.loads(traj.read_text())
    assert rec["resolved"] and rec["metrics"]["malformed"] == 1 and rec["metrics"]["calls"] == 4
