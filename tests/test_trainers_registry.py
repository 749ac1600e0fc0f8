"""The adapter registry: gated promotion, retirement, only production served, atomic saves, CLI."""

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from trainers.cli_adapters import register
from trainers.registry import Registry, RegistryError

PASS = {"mean_reward": {"passed": True, "value": 0.42, "threshold": "> 0.3", "why": ""}}
FAIL = {"mean_reward": {"passed": False, "value": 0.12, "threshold": "> 0.3", "why": ""},
        "no_collapse": {"passed": True, "value": 0.2, "threshold": "> 0.01", "why": ""}}


def _app():
    app = typer.Typer()
    register(app)
    return app


def test_promotion_is_gated_and_retires_the_previous(tmp_path):
    reg = Registry.load(tmp_path / "r.yaml")
    assert reg.adapters == {} and reg.served() == {}
    first = reg.register("rust", "ck/rust_grpo", "base", "grpo", {"cargo_test_pass_rate": 0.7}, PASS)
    bad = reg.register("rust", "ck/rust_grpo2", "base", "grpo", None, FAIL)
    assert (first["id"], bad["id"], first["status"]) == ("rust-1", "rust-2", "trained")
    assert reg.served() == {}  # trained is not served
    with pytest.raises(RegistryError, match=r"failed gates: mean_reward \(0.12 vs > 0.3\)"):
        reg.promote("rust")
    reg.promote("rust", "rust-1")
    assert reg.production("rust")["id"] == "rust-1"
    third = reg.register("rust", "ck/rust_grpo3", "base", "grpo", None, PASS)
    reg.promote("rust", third["id"])
    assert [e["status"] for e in reg.entries("rust")] == ["retired", "trained", "production"]
    assert list(reg.served()) == ["rust"] and reg.served()["rust"]["path"] == "ck/rust_grpo3"
    with pytest.raises(RegistryError, match="no recorded gates"):
        reg.promote("rust", reg.register("rust", "x", "base", "sft")["id"])
    with pytest.raises(RegistryError, match="no adapter registered for 'go'"):
        reg.promote("go")


def test_save_is_atomic_and_round_trips(tmp_path):
    path = tmp_path / "sub" / "r.yaml"
    reg = Registry.load(path)
    reg.register("go", "ck/go", "base", "sft", {"go_test_pass_rate": 0.5}, PASS)
    reg.save()
    assert not [p for p in path.parent.iterdir() if p.name != "r.yaml"]  # no temp file left
    again = Registry.load(path)
    assert again.entries("go") == reg.entries("go") and again.default_adapter == "go"
    raw = yaml.safe_load(path.read_text())
    assert raw["adapters"]["go"][0]["status"] == "trained"
    path.write_text("adapters: [1, 2]\n")
    with pytest.raises(RegistryError, match="expected a mapping"):
        Registry.load(path)
    path.write_text("adapters:\n  go:\n    - {id: go-1, path: ck/go, status: shipped}\n")
    with pytest.raises(RegistryError, match="adapters.go: each version needs id, path and a status"):
        Registry.load(path)


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    reg = Registry.load(path)
    reg.register("go", "ck/go", "base", "sft")
    reg.save()
    before = path.read_text()
    reg.register("go", "ck/go2", "base", "sft")

    def crash(*a):
        raise OSError("disk full")

    monkeypatch.setattr("trainers.registry.os.fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        reg.save()
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["r.yaml"]


def test_set_status_and_ids(tmp_path):
    reg = Registry.load(tmp_path / "r.yaml")
    a = reg.register("python", "ck/a", "base", "sft", None, PASS)
    b = reg.register("python", "ck/b", "base", "ipo", None, FAIL)
    assert reg.set_status("python", b["id"], "evaluating")["status"] == "evaluating"
    with pytest.raises(RegistryError, match="status must be one of"):
        reg.set_status("python", a["id"], "shipped")
    with pytest.raises(RegistryError, match="failed gates"):  # production only through the gates
        reg.set_status("python", b["id"], "production")
    reg.set_status("python", a["id"], "production")
    assert reg.served() == {"python": a}
    reg.set_status("python", a["id"], "retired")  # taking a language off the server
    assert reg.served() == {}
    reg.adapters["python"].remove(a)  # a hand edit drops a version: its id is not handed out again
    assert reg.register("python", "ck/c", "base", "grpo")["id"] == "python-3"
    with pytest.raises(RegistryError, match="has no adapter 'python-9'; it has python-2, python-3"):
        reg.promote("python", "python-9")


def test_cli_list_promote_route(tmp_path):
    path = tmp_path / "r.yaml"
    reg = Registry.load(path)
    reg.register("rust", "ck/rust", "base", "grpo", None, PASS)
    reg.register("go", "ck/go", "base", "grpo", None, FAIL)
    reg.save()
    runner, app = CliRunner(), _app()
    r = runner.invoke(app, ["adapters", "list", "--registry", str(path), "--json"])
    assert r.exit_code == 0 and set(json.loads(r.output)["adapters"]) == {"rust", "go"}
    r = runner.invoke(app, ["adapters", "promote", "go", "--registry", str(path)])
    assert r.exit_code == 1 and "failed gates" in " ".join(r.output.split())
    r = runner.invoke(app, ["adapters", "promote", "rust", "--registry", str(path)])
    assert r.exit_code == 0 and Registry.load(path).production("rust")["id"] == "rust-1"
    prompt = tmp_path / "issue.md"
    prompt.write_text("`go test ./...` fails in parser.go: the func Parse(s string) returns err != nil")
    r = runner.invoke(app, ["adapters", "route", "--prompt-file", str(prompt), "--registry", str(path), "--json"])
    out = json.loads(r.output)
    # go has no production adapter: the default (rust, registered first) answers, and says why
    assert r.exit_code == 0 and out["language"] == "rust" and "go" in out["why"] and out["path"] == "ck/rust"
    r = runner.invoke(app, ["adapters", "route", "--prompt-file", str(prompt), "--language", "rust", "--registry", str(path)])
    assert r.exit_code == 0 and r.output.strip() == "rust: ck/rust (named explicitly)"
    r = runner.invoke(app, ["adapters", "list", "--registry", str(path)], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "rust-1" in r.output and "production" in r.output and "1/2 passed" in r.output
    r = runner.invoke(app, ["adapters", "list", "--registry", str(tmp_path / "none.yaml"), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["adapters"] == {}  # no registry yet: empty, not an error
