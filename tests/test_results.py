"""Result records: appended as tasks finish, resumable, a torn line never loses or duplicates a task."""

import json

from harness.results import Manifest, RunWriter, fingerprint, read_manifest, read_records


def test_records_are_appended_and_resume_skips_done_tasks(tmp_path):
    w = RunWriter(tmp_path / "run", Manifest(benchmark="toy", model="m"))
    w.write("a", {"resolved": True})
    w.write("b", {"resolved": False})
    run_id = w.manifest.run_id
    again = RunWriter(tmp_path / "run", Manifest(benchmark="toy", model="m"))
    assert set(again.done) == {"a", "b"} and again.manifest.run_id == run_id
    again.write("a", {"resolved": "duplicate"})
    again.write("c", {"resolved": True})
    recs = list(read_records(tmp_path / "run"))
    assert [r["task_id"] for r in recs] == ["a", "b", "c"] and recs[0]["resolved"] is True


def test_torn_last_line_is_dropped_and_rewritten(tmp_path):
    w = RunWriter(tmp_path / "run", Manifest(benchmark="toy"))
    w.write("a", {"x": 1})
    with open(w.path, "a") as f:
        f.write('{"task_id": "b", "x"')  # crash mid-write
    w2 = RunWriter(tmp_path / "run", Manifest(benchmark="toy"))
    assert set(w2.done) == {"a"}
    w2.write("b", {"x": 2})
    lines = w2.path.read_text().splitlines()
    assert [json.loads(line)["task_id"] for line in lines] == ["a", "b"]


def test_manifest_records_versions_and_fingerprint(tmp_path):
    m = Manifest(benchmark="toy", dataset="d", dataset_fingerprint=fingerprint([{"id": 1}]))
    RunWriter(tmp_path / "run", m)
    got = read_manifest(tmp_path / "run")
    assert got["versions"]["gauntlet"] and got["dataset_fingerprint"].startswith("sha256:")
    assert fingerprint([{"id": 1}]) == fingerprint([{"id": 1}]) != fingerprint([{"id": 2}])


def test_dataset_name_is_a_hub_name_or_a_file_name_never_a_directory(tmp_path):
    from harness.results import dataset_name

    data = tmp_path / "lite.jsonl"
    data.write_text("{}\n")
    assert dataset_name("princeton-nlp/SWE-bench_Lite") == "princeton-nlp/SWE-bench_Lite"
    assert dataset_name(str(data)) == "lite.jsonl"
    assert dataset_name("data/problems.jsonl") == "problems.jsonl"
    assert dataset_name(None) is None
