"""The job executors' contract on the local executor (no Ray needed): each job id exactly once,
an escaping exception is an infrastructure failure retried once, then reported, never raised."""

from pathlib import Path

import pytest

from harness.jobs import INFRA_TRIES, InfraFailure, get_executor
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
    ex = get_executor("local", workers=3)
    results = list(ex.map(square, [(f"j{i}", (i,)) for i in range(20)]))
    assert sorted(r.job_id for r in results) == sorted(f"j{i}" for i in range(20))
    assert all(r.ok and r.tries == 1 and r.value == int(r.job_id[1:]) ** 2 for r in results)


def test_infra_failure_twice_is_reported_not_raised(tmp_path):
    ex = get_executor("local", workers=2)
    jobs = [("bad", (1,))]
    [r] = list(ex.map(always_fails, jobs))
    assert not r.ok and r.tries == INFRA_TRIES == 2 and "OSError: sandbox gone (1)" in r.error
    retried = list(ex.map(fails_once, [(f"j{i}", (str(tmp_path / f"m{i}"), i)) for i in range(4)]))
    assert sorted((r.job_id, r.value, r.tries) for r in retried) == [(f"j{i}", i + 1, 2) for i in range(4)]
    with pytest.raises(InfraFailure, match="after 2 tries"):
        ex.call(always_fails, 2)


def test_duplicate_job_ids_are_refused():
    with pytest.raises(ValueError, match="given twice"):
        list(get_executor("local").map(square, [("a", (1,)), ("a", (2,))]))


def test_unknown_executor():
    with pytest.raises(ValueError, match="unknown executor"):
        get_executor("slurm")


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
