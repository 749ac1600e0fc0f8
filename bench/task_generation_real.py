"""Task generation on one real published project per language, fetched through its registry now.

- Rust: the `semver` crate's published source (cargo downloads it into its cache);
- Go: `github.com/google/uuid` through the Go module proxy (its zip carries its tests);
- Python: the `more-itertools` sdist from PyPI (with its tests);
- TypeScript: the plugin's own vitest package (npm packages rarely ship their tests).

Each runs ``gauntlet tasks generate`` and ``gauntlet tasks stats`` and the script writes the counts
(candidates, compiled, caught, kept), the time and the gate report to
``bench/results/task_generation_real.md``.  Needs network (registries only).

    python bench/task_generation_real.py [--max 20] [--max-candidates 80] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEMVER, UUID, MORE_ITERTOOLS = "1.0.23", "github.com/google/uuid@v1.6.0", "10.5.0"


def _writable_copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for p in [dst, *dst.rglob("*")]:
        os.chmod(p, p.stat().st_mode | stat.S_IWUSR)
    return dst


def fetch_rust(tmp: Path) -> Path:
    scratch = tmp / "scratch"
    (scratch / "src").mkdir(parents=True)
    (scratch / "src/lib.rs").write_text("")
    (scratch / "Cargo.toml").write_text(f'[package]\nname = "scratch"\nversion = "0.0.0"\nedition = "2021"\n\n'
                                        f'[dependencies]\nsemver = "={SEMVER}"\n')
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1"], cwd=scratch, capture_output=True, text=True, check=True)
    src = next(Path(p["manifest_path"]).parent for p in json.loads(meta.stdout)["packages"] if p["name"] == "semver")
    return _writable_copy(src, tmp / f"semver-{SEMVER}")


def fetch_go(tmp: Path) -> Path:
    out = subprocess.run(["go", "mod", "download", "-json", UUID], capture_output=True, text=True, check=True)
    dst = _writable_copy(Path(json.loads(out.stdout)["Dir"]), tmp / "uuid")
    subprocess.run(["gofmt", "-w", "."], cwd=dst, check=True)  # 1.6.0 predates gofmt's doc-comment rules
    return dst


def fetch_python(tmp: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", str(tmp),
                    f"more-itertools=={MORE_ITERTOOLS}"], check=True)
    archive = next(tmp.glob("more?itertools-*.tar.gz"))
    with tarfile.open(archive) as tf:
        tf.extractall(tmp, filter="data")
    return next(p for p in tmp.iterdir() if p.is_dir() and p.name.startswith(("more_itertools-", "more-itertools-")))


def fetch_typescript(tmp: Path) -> Path:
    src = ROOT / "plugins" / "typescript" / "tests" / "packages" / "vitest_ts"
    return Path(shutil.copytree(src, tmp / "vitest_ts", ignore=shutil.ignore_patterns("node_modules")))


PROJECTS = {
    "rust": ("crates.io semver " + SEMVER, "dtolnay/semver", fetch_rust, False),
    "go": ("Go proxy " + UUID, "google/uuid", fetch_go, False),
    "python": ("PyPI more-itertools " + MORE_ITERTOOLS + " sdist", "more-itertools/more-itertools", fetch_python, False),
    "typescript": ("plugins/typescript/tests/packages/vitest_ts", "gauntlet/vitest_ts", fetch_typescript, True),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max", type=int, default=20, help="Kept tasks per project.")
    ap.add_argument("--max-candidates", type=int, default=80, help="Candidates validated per project.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--languages", default=",".join(PROJECTS))
    args = ap.parse_args()
    rows, gates = [], []
    work = Path(tempfile.mkdtemp(prefix="gauntlet-taskgen-"))
    for language in args.languages.split(","):
        label, name, fetch, network = PROJECTS[language]
        tmp = work / language
        tmp.mkdir()
        src = fetch(tmp)
        out = tmp / "tasks.jsonl"
        cmd = ["gauntlet", "tasks", "generate", "--repo", str(src), "--language", language, "--name", name,
               "--max", str(args.max), "--max-candidates", str(args.max_candidates), "--workers", str(args.workers),
               "-o", str(out)] + (["--network"] if network else [])  # the automatic candidate timeout
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.monotonic() - start
        print(f"{language}: exit {r.returncode} in {seconds:.0f} s", flush=True)
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-2000:])
        verdicts: dict[str, int] = {}
        for line in (out.parent / f"{out.name}.run" / "results.jsonl").read_text().splitlines():
            v = json.loads(line)["verdict"]
            verdicts[v] = verdicts.get(v, 0) + 1
        validated = sum(verdicts.values())
        compiled = validated - verdicts.get("build_failed", 0) - verdicts.get("not_applied", 0)
        kept = len(out.read_text().splitlines()) if out.exists() else 0
        stats = subprocess.run(["gauntlet", "tasks", "stats", str(out), "--json"], capture_output=True, text=True)
        gate = subprocess.run(["gauntlet", "tasks", "stats", str(out), "--gate", "--min-caught", str(args.max)],
                              capture_output=True, text=True)
        s = json.loads(stats.stdout) if stats.returncode == 0 else {}
        rows.append((language, label, validated, compiled, verdicts.get("caught", 0), kept, seconds, s))
        gates.append((language, gate.returncode, gate.stdout.strip()))
    lines = [
        "# Task generation on real published projects", "",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end, local backend, {args.workers} workers, "
        f"at most {args.max_candidates} candidates and {args.max} kept tasks per project.", "",
        f"Command: `python bench/task_generation_real.py --max {args.max} --max-candidates {args.max_candidates} "
        f"--workers {args.workers}`", "",
        "| language | project | validated | compiled | caught | kept | seconds | candidates/min | median diff lines | >=2 failing |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for language, label, validated, compiled, caught, kept, seconds, s in rows:
        lines.append(f"| {language} | {label} | {validated} | {compiled} | {caught} | {kept} | {seconds:.0f} | "
                     f"{validated / seconds * 60:.1f} | {s.get('median_diff_lines', '-')} | {s.get('share_two_or_more_failing', '-')} |")
    lines += ["", "Gate reports (`gauntlet tasks stats tasks.jsonl --gate --min-caught N`; the roadmap's 3,000 is for a",
              "full sweep, so the gate here asks for the kept count):", ""]
    for language, code, text in gates:
        lines += [f"{language} (exit {code}):", "", "```", text, "```", ""]
    path = ROOT / "bench" / "results" / "task_generation_real.md"
    path.write_text("\n".join(lines) + "\n")
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
