"""The roadmap's promotion gates: as functions over a run's logged metrics, and as callbacks.

A gate result is ``{"passed": bool, "value": float | None, "threshold": ..., "why": str}``; a
stage's gates are written to ``gates.json`` in its output folder and copied into the adapter
registry, which promotes only adapters whose gates all passed.  The callbacks stop a run early
when a gate can no longer be met (IPO's KL past the abort line, GRPO's rewards collapsed), and
``gauntlet train gate RUN`` re-checks a finished run from its ``trainer_state.json``.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

from trainers.config import GRPO, IPO, SFT


def result(passed: bool, value: float | None, threshold: Any, why: str) -> dict:
    return {"passed": bool(passed), "value": None if value is None else round(float(value), 6),
            "threshold": threshold, "why": why}


def series(log_history: list[dict], key: str) -> list[float]:
    return [float(e[key]) for e in log_history if key in e and isinstance(e[key], (int, float)) and not math.isnan(e[key])]


def tail_mean(values: list[float], share: float = 0.2) -> float | None:
    if not values:
        return None
    n = max(1, math.ceil(len(values) * share))
    return statistics.fmean(values[-n:])


# --- SFT ------------------------------------------------------------------------------------------

def sft_gates(log_history: list[dict], tool_call_accuracy: float | None, cfg: SFT) -> dict[str, dict]:
    losses = series(log_history, "loss")
    loss = tail_mean(losses)
    first, last = tail_mean(losses[: max(1, len(losses) // 5)], 1.0), loss
    return {
        "training_loss": result(loss is not None and loss < cfg.max_loss, loss, f"< {cfg.max_loss}",
                                "mean loss over the last 20% of logged steps"),
        "tool_call_format_accuracy": result(tool_call_accuracy is not None and tool_call_accuracy > cfg.min_tool_call_accuracy,
                                            tool_call_accuracy, f"> {cfg.min_tool_call_accuracy}",
                                            "share of held-out generations whose tool calls parse"),
        "loss_trend": result(first is not None and last is not None and last <= first, last, "decreasing",
                             f"first 20% {first if first is None else round(first, 4)} -> last 20%"),
    }


def tool_call_accuracy(texts: list[str]) -> float:
    """Share of generations holding at least one tool call that parses (and none malformed)."""
    from harness.rewards.parse import parse_completion

    if not texts:
        return 0.0
    ok = 0
    for t in texts:
        p = parse_completion(t, "patch")
        ok += p.error is None and p.tool_calls > 0
    return ok / len(texts)


# --- IPO ------------------------------------------------------------------------------------------

def ipo_kl(entry: dict, beta: float) -> float | None:
    """KL estimate from TRL's implicit rewards (reward = beta * log(pi / pi_ref) per sequence):
    the mean absolute log-ratio of chosen and rejected completions."""
    if "rewards/chosen" not in entry or "rewards/rejected" not in entry:
        return None
    return (abs(entry["rewards/chosen"]) + abs(entry["rewards/rejected"])) / (2 * beta)


def ipo_gates(log_history: list[dict], cfg: IPO) -> dict[str, dict]:
    kls = [k for k in (ipo_kl(e, cfg.beta) for e in log_history) if k is not None]
    kl = max(kls) if kls else None
    wins = tail_mean(series(log_history, "rewards/accuracies"), 1.0)
    losses = series(log_history, "loss")
    collapsed = bool(losses) and (any(math.isinf(x) for x in losses) or (len(losses) > 3 and max(losses[-3:]) > 10 * max(1e-9, losses[0])))
    return {
        "kl_divergence": result(kl is not None and kl < cfg.kl_abort, kl, f"< {cfg.kl_abort} (warn at {cfg.kl_warn})",
                                "largest logged KL estimate" + (" — above the warning line" if kl and kl >= cfg.kl_warn else "")),
        "chosen_over_rejected": result(wins is not None and wins > cfg.min_chosen_wins, wins, f"> {cfg.min_chosen_wins}",
                                       "share of pairs where the chosen completion's implicit reward is higher"),
        "no_collapse": result(not collapsed, losses[-1] if losses else None, "loss finite, not exploding",
                              "training loss"),
    }


# --- GRPO -----------------------------------------------------------------------------------------

REWARD_KEY = "reward"


def grpo_gates(log_history: list[dict], cfg: GRPO) -> dict[str, dict]:
    rewards = series(log_history, REWARD_KEY)
    stds = series(log_history, "reward_std")
    window = rewards[-cfg.window:]
    mean = statistics.fmean(window) if window else None
    spread = statistics.pstdev(window) if len(window) > 1 else (stds[-1] if stds else None)
    best = max(rewards) if rewards else None
    return {
        "mean_reward": result(mean is not None and mean > cfg.min_mean_reward, mean, f"> {cfg.min_mean_reward}",
                              f"mean batch reward over the last {min(len(window), cfg.window)} logged steps"),
        "no_collapse": result(spread is not None and spread > cfg.min_reward_std, spread, f"> {cfg.min_reward_std}",
                              "standard deviation of the batch rewards over that window"),
        "max_reward": result(best is not None and best > cfg.min_max_reward, best, f"> {cfg.min_max_reward}",
                             "highest batch reward logged"),
    }


def regression_gate(baseline: str | Path, candidate: str | Path, max_regression: float = 0.05) -> dict:
    """The `gauntlet gate` rule (HumanEval and any shared benchmark) as one more gate."""
    from harness.benchmarks.gate import compare

    rows = compare(baseline, candidate, max_regression)
    worst = [r for r in rows if r.regressed]
    return result(not worst, max((r.regression for r in rows), default=0.0), f"<= {max_regression:.0%} regression",
                  "regressed: " + ", ".join(r.benchmark for r in worst) if worst else "no shared benchmark regressed")


def all_passed(gates: dict[str, dict]) -> bool:
    return all(g["passed"] for g in gates.values())


def write(stage_dir: Path, stage: str, gates: dict[str, dict]) -> Path:
    path = Path(stage_dir) / "gates.json"
    path.write_text(json.dumps({"stage": stage, "passed": all_passed(gates), "gates": gates}, indent=1) + "\n")
    return path


def check_run(stage_dir: Path, stage: str, cfg) -> dict[str, dict]:
    """Gates of a finished run, from its trainer_state.json (and the SFT format accuracy it recorded)."""
    state = json.loads((Path(stage_dir) / "trainer_state.json").read_text())
    history = state.get("log_history", [])
    if stage == "sft":
        prior = Path(stage_dir) / "gates.json"
        acc = None
        if prior.exists():
            acc = json.loads(prior.read_text())["gates"].get("tool_call_format_accuracy", {}).get("value")
        return sft_gates(history, acc, cfg.sft)
    if stage == "ipo":
        return ipo_gates(history, cfg.ipo)
    return grpo_gates(history, cfg.grpo)


# --- callbacks that stop a bad run early ---------------------------------------------------------

def _callback_base():
    from transformers import TrainerCallback

    return TrainerCallback


def ipo_abort_callback(cfg: IPO):
    class IPOAbort(_callback_base()):
        """Stops training when the KL estimate passes the abort line (the roadmap's IPO collapse guard)."""

        reason: str | None = None

        def on_log(self, args, state, control, logs=None, **kwargs):
            kl = ipo_kl(logs or {}, cfg.beta)
            if kl is not None and kl >= cfg.kl_abort:
                self.reason = f"KL estimate {kl:.3f} >= {cfg.kl_abort} at step {state.global_step}"
                control.should_training_stop = True

    return IPOAbort()


def grpo_collapse_callback(cfg: GRPO, patience: int = 20):
    class GRPOCollapse(_callback_base()):
        """Stops training when every group has had identical rewards for ``patience`` logged steps
        (std <= the gate's threshold): no gradient signal is left, the run can only waste GPU hours."""

        reason: str | None = None

        def __init__(self):
            self.flat = 0

        def on_log(self, args, state, control, logs=None, **kwargs):
            std = (logs or {}).get("reward_std")
            if std is None:
                return
            self.flat = self.flat + 1 if std <= cfg.min_reward_std else 0
            if self.flat >= patience:
                self.reason = f"reward std <= {cfg.min_reward_std} for {patience} logged steps (step {state.global_step})"
                control.should_training_stop = True

    return GRPOCollapse()
