"""The job runners' contract on the local runner (no Ray needed): each job id exactly once,
an escaping exception is an infrastructure failure retried once, then reported, never raised."""

from pathlib import Path

import pytest

from harness.jobs import INFRA_TRIES, JobFailed, get_runner
from harness.jobs.trees import pack, unpack


def square(x):
    return x * x


def always_fails(x):
    raise OSError(f"sandbox gone ({x})")


def fails_once(marker: str, x):
    """Fails on the first try of each job (a marker file per job says it was tried)."""
    m = Path(marker)
    if not m.exists():
        m.write_text("tried")
        raise ConnectionError("node lost")
    return x + 1


def test_every_job_once_in_any_order():
    ex = get_runner("local", workers=3)
    results = list(ex.map(square, [(f"j{i}", (i,)) for i in range(20)]))
    assert sorted(r.job_id for r in results) == sorted(f"j{i}" for i in range(20))
    assert all(r.ok and r.tries == 1 and r.value == int(r.job_id[1:]) ** 2 for r in results)


def test_infra_failure_twice_is_reported_not_raised(tmp_path):
    ex = get_runner("local", workers=2)
    jobs = [("bad", (1,))]
    [r] = list(ex.map(always_fails, jobs))
    assert not r.ok and r.tries == INFRA_TRIES == 2 and "OSError: sandbox gone (1)" in r.error
    retried = list(ex.map(fails_once, [(f"j{i}", (str(tmp_path / f"m{i}"), i)) for i in range(4)]))
    assert sorted((r.job_id, r.value, r.tries) for r in retried) == [(f"j{i}", i + 1, 2) for i in range(4)]
    with pytest.raises(JobFailed, match="after 2 tries"):
        ex.call(always_fails, 2)


def test_duplicate_job_ids_are_refused():
    with pytest.raises(ValueError, match="given twice"):
        list(get_runner("local").map(square, [("a", (1,)), ("a", (2,))]))


def test_unknown_runner():
    with pytest.raises(ValueError, match="unknown job runner"):
        get_runner("slurm")


def test_trees_round_trip_with_git_and_modes(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (src / "pkg" / "run.sh").chmod(0o755)
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (src / "skip").mkdir()
    out = unpack(pack(src, exclude=("skip",)), "repo")
    assert (out / "pkg" / "run.sh").read_text() == "#!/bin/sh\necho hi\n"
    assert (out / "pkg" / "run.sh").stat().st_mode & 0o100
    assert (out / ".git" / "HEAD").exists() and not (out / "skip").exists()
    assert unpack(pack(src, exclude=("skip",)), "repo") == out  # once per node process


def test_versions_compare_names_every_difference():
    from harness.jobs.versions import compare

    driver = {"gauntlet": "0.1.0", "gauntlet-python": "0.1.0", "gauntlet-rust": "0.1.0"}
    assert compare(driver, dict(driver)) == []
    node = {"gauntlet": "0.2.0", "gauntlet-python": "0.1.0", "gauntlet-go": "0.1.0"}
    assert compare(driver, node) == [
        "gauntlet: driver 0.1.0, node 0.2.0",
        "gauntlet-go: driver not installed, node 0.1.0",
        "gauntlet-rust: driver 0.1.0, node not installed",
    ]
    assert compare(driver, None) == ["the node reported no versions (its Gauntlet predates the version check)"]


def test_versions_check_turns_a_mismatch_into_an_infra_failure():
    from harness.jobs.versions import check, node_versions

    mine = node_versions()
    assert mine["gauntlet"] and all(isinstance(v, str) for v in mine.values())
    ok = {"value": 3, "node": "n1", "seconds": 0.1, "versions": dict(mine)}
    assert check(mine, ok) == ok
    other = {**mine, "gauntlet": "0.0.0-other"}
    bad = check(other, ok)
    assert bad["value"] is None and bad["error"].startswith("VersionMismatch: node n1 ")
    assert f"gauntlet: driver 0.0.0-other, node {mine['gauntlet']}" in bad["error"]
    assert "VersionMismatch" in check(mine, {"value": 3, "node": "old"})["error"]  # a node without the check
    lost = {"error": "WorkerCrashedError: lost", "node": None, "seconds": 0.0}
    assert check(mine, lost) == lost  # another infrastructure failure stays what it was


def test_a_node_with_other_versions_runs_nothing(tmp_path):
    from harness.jobs import run_checked
    from harness.jobs.versions import node_versions

    marker = tmp_path / "ran"
    out = run_checked({**node_versions(), "gauntlet-python": "9.9"}, Path.write_text, marker, "x")
    assert "VersionMismatch" in out["error"] and "gauntlet-python: driver 9.9" in out["error"] and not marker.exists()
    assert out["versions"] == node_versions()
    assert run_checked(node_versions(), square, 4)["value"] == 16


def test_local_results_report_this_process_versions():
    from harness.jobs.versions import node_versions

    [r] = list(get_runner("local").map(square, [("a", (2,))]))
    assert r.versions == node_versions()
