"""Ray's token authentication (Ray 2.5x+): a cluster that ``ray start`` began after a local
``ray.init()`` (which wrote ``~/.ray/auth_token``) turns authentication on, and drivers or nodes that
join by address must present the token.  Gauntlet's driver and the loopback cluster's worker nodes do.

The cluster test runs in child processes with a private HOME, so it neither reads nor leaves a token
in the user's ``~/.ray`` and never touches the Ray state of the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.jobs.ray_auth import auth_env, token_source

ROOT = Path(__file__).resolve().parents[1]


def test_the_token_is_presented_only_where_one_is_at_hand_and_the_mode_is_unset(tmp_path):
    home = {"HOME": str(tmp_path)}
    assert token_source(home) is None and auth_env(home) == {}
    (tmp_path / ".ray").mkdir()
    (tmp_path / ".ray" / "auth_token").write_text("secret")
    assert token_source(home) == str(tmp_path / ".ray" / "auth_token")
    assert auth_env(home) == {"RAY_AUTH_MODE": "token"}
    assert auth_env({**home, "RAY_AUTH_MODE": "disabled"}) == {}  # an explicit mode is respected
    assert auth_env({"HOME": "/nonexistent", "RAY_AUTH_TOKEN": "t"}) == {"RAY_AUTH_MODE": "token"}
    assert auth_env({"HOME": str(tmp_path), "RAY_AUTH_TOKEN_PATH": str(tmp_path / "missing")}) == {}


DRIVER = textwrap.dedent("""
    import os
    from harness.testing.loopback import LoopbackCluster
    from harness.jobs.on_ray import RayJobs

    with LoopbackCluster(head_cpus=1, head_docker=0) as cluster:
        cluster.add_worker(cpus=1, docker=0)
        jobs = RayJobs(cluster.address)
        try:
            LoopbackCluster.wait_for_nodes(2)
            print("nodes", sum(n["Alive"] for n in jobs.ray.nodes()), "mode", os.environ.get("RAY_AUTH_MODE"))
            print("job", jobs.call(os.getpid) > 0)
        finally:
            jobs.close()
""")


def test_a_cluster_started_after_a_local_ray_init_accepts_gauntlets_driver(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'gauntlet-harness[ray]'); CI installs it")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(tmp_path), RAY_USAGE_STATS_ENABLED="0",
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    local = subprocess.run([sys.executable, "-c", "import ray; ray.init(include_dashboard=False); ray.shutdown()"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr[-2000:]
    token = tmp_path / ".ray" / "auth_token"
    if not token.is_file():
        pytest.skip(reason="this Ray's local ray.init() writes no auth token (Ray before token authentication): "
                           "nothing to present")
    run = subprocess.run([sys.executable, "-c", DRIVER], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "nodes 2 mode token" in run.stdout and "job True" in run.stdout
