"""SFT -> IPO -> GRPO for real: TRL on a tiny random Llama, a tokenizer built here, LoRA through PEFT,
on CPU, with data that Gauntlet generated (tasks and debug pairs from the bundled Python example)
and Gauntlet's rewards.  Each stage loads the previous adapter, writes its manifest and its gates;
the CLI reports the gates and exits by them."""

import json
import shutil
from pathlib import Path

import pytest

for module in ("torch", "transformers", "trl", "peft", "datasets", "tokenizers"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'gauntlet-harness[train]')")
pytest.importorskip("swebench", reason="the swebench extra is not installed")

from typer.testing import CliRunner  # noqa: E402

from harness.plugins import get_plugin_manager  # noqa: E402
from harness.tasks.generate import GenerateOptions, generate  # noqa: E402
from trainers import harmony  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    pm = get_plugin_manager()
    if "python" not in pm.languages():
        pytest.skip(reason="gauntlet-python is not installed")
    tmp = tmp_path_factory.mktemp("train")
    src = shutil.copytree(EXAMPLE, tmp / "slugify")
    core = src / "slugify" / "core.py"
    core.write_text(core.read_text().replace("_NON_WORD.split(ascii_text.lower())",
                                             "[w for w in _NON_WORD.split(ascii_text.lower()) if w]"))
    tasks = tmp / "data" / "tasks.jsonl"
    tasks.parent.mkdir()
    generate(src, GenerateOptions(language="python", repo_name="example/slugify", output=tasks,
                                  store=tmp / "data" / "store", max_tasks=2, max_candidates=12, seed=1), pm)
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    assert len(rows) == 2
    # IPO candidates: the fix, nothing, a patch that breaks the build, a malformed tool call.
    cands = []
    for t in rows:
        fix = t["patch"]
        broken = fix.replace("\n+", "\n+)(", 1) if "\n+" in fix else fix + "\n+)("
        cands.append({"instance_id": t["instance_id"], "completions": [
            harmony.patch_answer(fix), harmony.patch_answer(""), harmony.patch_answer(broken),
            harmony.CALL + '\n{"name": "apply_patch", "arguments": {"patch": ']})
    (tmp / "data" / "candidates.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cands))
    (tmp / "python.toml").write_text("""
language = "python"
model = "tiny"
output_dir = "adapters"
seed = 0
[data]
tasks = "data/tasks.jsonl"
debug_pairs = "data/tasks.debug.jsonl"
ipo_candidates = "data/candidates.jsonl"
[qlora]
rank = 4
alpha = 8
[sft]
max_steps = 3
batch_size = 2
grad_accum = 1
max_length = 256
learning_rate = 1e-3
accuracy_samples = 2
[ipo]
max_steps = 2
grad_accum = 1
max_length = 4096
[grpo]
max_steps = 3
batch_size = 2
num_generations = 2
grad_accum = 1
curriculum = [[0, 8], [2, 12]]
window = 500
""")
    return tmp


def _cli(*args):
    import typer

    from trainers.cli import register

    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_sft_ipo_grpo_chain(workdir):
    cfg = str(workdir / "python.toml")
    out = workdir / "adapters"
    reg = ["--registry", str(workdir / "registry.yaml")]

    r = _cli("train", "sft", "--config", cfg, "--set", "sft.max_new_tokens_unused=1")
    assert r.exit_code == 2 and "unknown key 'max_new_tokens_unused'" in " ".join(r.output.split())  # a typo never trains

    r = _cli("train", "sft", "--config", cfg, "--json", *reg)
    sft = json.loads(r.output.strip().splitlines()[-1])
    assert r.exit_code == (0 if sft["passed"] else 1)
    assert set(sft["gates"]) == {"training_loss", "tool_call_format_accuracy", "loss_trend"}
    # a random model does not write tool calls: the format gate fails, as its input says
    assert sft["gates"]["tool_call_format_accuracy"]["passed"] is False
    assert (out / "python_core_agent" / "adapter_config.json").exists()
    run = json.loads((out / "python_core_agent" / "run.json").read_text())
    assert run["seed"] == 0 and run["versions"]["trl"] != "not installed" and run["steps"] == 3
    assert len(run["data_sha256"]) >= 2 and "full precision" in run["quantization"]
    assert (out / "python_base" / "config.json").exists()  # the random base, shared by every stage

    r = _cli("train", "ipo", "--config", cfg, "--json", *reg)
    ipo = json.loads(r.output.strip().splitlines()[-1])
    assert set(ipo["gates"]) == {"kl_divergence", "chosen_over_rejected", "no_collapse"}
    run = json.loads((out / "python_ipo" / "run.json").read_text())
    assert run["previous_adapter"].endswith("python_core_agent")
    # two tasks x (fix > nothing > broken > malformed): 3 pairs each, ranked by Gauntlet's outcomes
    assert run["pairs"]["pairs"] == 6
    state = json.loads((out / "python_ipo" / "trainer_state.json").read_text())
    assert any("rewards/accuracies" in e for e in state["log_history"])

    r = _cli("train", "grpo", "--config", cfg, "--json", *reg)
    grpo = json.loads(r.output.strip().splitlines()[-1])
    assert set(grpo["gates"]) == {"mean_reward", "no_collapse", "max_reward"}
    run = json.loads((out / "python_grpo" / "run.json").read_text())
    assert run["previous_adapter"].endswith("python_ipo")
    assert run["curriculum_applied"] == [[2, 12]]  # generation budget grew from 8 to 12 tokens at step 2
    state = json.loads((out / "python_grpo" / "trainer_state.json").read_text())
    assert any("rewards/gauntlet_reward_func/mean" in e for e in state["log_history"])
    assert any(k.startswith("gauntlet/") for e in state["log_history"] for k in e)

    # gates re-checked on the finished run, with the regression gate's missing input a usage error
    r = _cli("train", "gate", "grpo", "--config", cfg, "--json", *reg)
    assert r.exit_code in (0, 1) and json.loads(r.output.strip().splitlines()[-1])["stage"] == "grpo"

    # every stage's adapter is in the registry with its gates, as "trained"; promotion follows the gates
    from trainers.registry import Registry, RegistryError

    registry = Registry.load(workdir / "registry.yaml")
    entries = registry.entries("python")
    assert [e["stage"] for e in entries] == ["sft", "ipo", "grpo"] and {e["status"] for e in entries} == {"trained"}
    assert entries[0]["eval_metrics"]["tool_call_accuracy"] == sft["gates"]["tool_call_format_accuracy"]["value"]
    if not all(g["passed"] for g in entries[2]["gates"].values()):
        with pytest.raises(RegistryError, match="failed gates"):
            registry.promote("python")


def test_a_stage_without_its_previous_adapter_says_what_to_run(tmp_path):
    (tmp_path / "c.toml").write_text('language = "go"\nmodel = "tiny"\n[data]\ntasks = "t.jsonl"\n')
    r = _cli("train", "grpo", "--config", str(tmp_path / "c.toml"))
    assert r.exit_code == 2 and "gauntlet train ipo" in " ".join(r.output.split())
