"""The roadmap's promotion gates pass or fail as their inputs say, and the callbacks stop bad runs."""

import json
from types import SimpleNamespace

import pytest

from trainers import gates
from trainers.config import GRPO, IPO, SFT


def test_sft_gates():
    good = [{"loss": 2.0}, {"loss": 1.0}, {"loss": 0.6}, {"loss": 0.4}, {"loss": 0.3}]
    g = gates.sft_gates(good, 0.97, SFT())
    assert all(x["passed"] for x in g.values())
    assert g["training_loss"]["value"] == 0.3
    g = gates.sft_gates(good, 0.90, SFT())
    assert not g["tool_call_format_accuracy"]["passed"] and g["training_loss"]["passed"]
    rising = [{"loss": 0.2}, {"loss": 0.3}, {"loss": 0.6}, {"loss": 0.7}, {"loss": 0.9}]
    g = gates.sft_gates(rising, 0.99, SFT())
    assert not g["training_loss"]["passed"] and not g["loss_trend"]["passed"]
    assert not gates.sft_gates([], None, SFT())["training_loss"]["passed"]  # no evidence is no pass


def test_tool_call_accuracy_reads_what_the_reward_reads():
    ok = '<|tool_call|>\n{"id": "c1", "name": "apply_patch", "arguments": {"patch": "diff --git a/x b/x\\n"}}'
    bad = '<|tool_call|>\n{"id": "c1", "name": "apply_patch", "arguments": {"patch": '
    assert gates.tool_call_accuracy([ok, ok, bad, "no call at all"]) == 0.5


def test_ipo_gates_and_abort():
    cfg = IPO()
    fine = [{"loss": 1.0, "rewards/chosen": 0.01, "rewards/rejected": -0.01, "rewards/accuracies": 0.9}] * 3
    g = gates.ipo_gates(fine, cfg)
    assert all(x["passed"] for x in g.values()) and g["kl_divergence"]["value"] == pytest.approx(0.1)
    drift = fine + [{"loss": 1.0, "rewards/chosen": 0.06, "rewards/rejected": -0.06, "rewards/accuracies": 0.1}]
    g = gates.ipo_gates(drift, cfg)
    assert not g["kl_divergence"]["passed"] and not g["chosen_over_rejected"]["passed"]
    warn = gates.ipo_gates([{"rewards/chosen": 0.08, "rewards/rejected": 0.0, "rewards/accuracies": 1.0}], cfg)
    assert warn["kl_divergence"]["passed"] and "warning" in warn["kl_divergence"]["why"]

    pytest.importorskip("transformers", reason="transformers is not installed (pip install 'gauntlet-harness[train]')")
    cb = gates.ipo_abort_callback(cfg)
    control = SimpleNamespace(should_training_stop=False)
    cb.on_log(None, SimpleNamespace(global_step=5), control, logs=fine[0])
    assert not control.should_training_stop
    cb.on_log(None, SimpleNamespace(global_step=6), control, logs=drift[-1])
    assert control.should_training_stop and "KL estimate 0.600" in cb.reason


def test_grpo_gates_and_collapse():
    cfg = GRPO(window=4)
    learning = [{"reward": r, "reward_std": 0.3} for r in (-0.3, 0.1, 0.4, 0.8, 0.5, 0.6)]
    g = gates.grpo_gates(learning, cfg)
    assert all(x["passed"] for x in g.values())
    assert g["mean_reward"]["value"] == pytest.approx((0.4 + 0.8 + 0.5 + 0.6) / 4)
    flat = [{"reward": 0.1, "reward_std": 0.0}] * 6
    g = gates.grpo_gates(flat, cfg)
    assert not any(x["passed"] for x in g.values())

    pytest.importorskip("transformers", reason="transformers is not installed (pip install 'gauntlet-harness[train]')")
    cb = gates.grpo_collapse_callback(cfg, patience=3)
    control = SimpleNamespace(should_training_stop=False)
    for step, entry in enumerate(flat[:2] + learning[:1] + flat[:2]):
        cb.on_log(None, SimpleNamespace(global_step=step), control, logs=entry)
    assert not control.should_training_stop  # the flat streak was broken
    cb.on_log(None, SimpleNamespace(global_step=9), control, logs=flat[0])
    assert control.should_training_stop and "reward std" in cb.reason


def test_regression_gate_uses_gauntlet_gate(tmp_path):
    from harness.results import Manifest, RunWriter

    def run(name, passed):
        w = RunWriter(tmp_path / name, Manifest(benchmark="humaneval"))
        for i, p in enumerate(passed):
            w.write(f"HumanEval/{i}", {"task_id": f"HumanEval/{i}", "pass@1": p})
        return tmp_path / name

    base = run("base", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    same = run("same", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    worse = run("worse", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    assert gates.regression_gate(base, same)["passed"]
    g = gates.regression_gate(base, worse)
    assert not g["passed"] and "humaneval" in g["why"] and g["value"] == pytest.approx(0.2)


def test_gates_file(tmp_path):
    g = {"a": gates.result(True, 1.0, "> 0", "x"), "b": gates.result(False, None, "> 0", "y")}
    data = json.loads(gates.write(tmp_path, "sft", g).read_text())
    assert data == {"stage": "sft", "passed": False, "gates": g}
