"""Generate SWE-format tasks from injected bugs (the roadmap's Phase 1 data).

Pipeline: snapshot the clean repository into a task store -> baseline (build, then the suite twice:
tests that pass both times are the stable ones, the others are flaky and excluded) -> candidate
bugs from the language plugin's ``gauntlet_mutate`` (deduplicated by normalised diff) -> each
candidate applied, built and tested in a sandbox session that its worker keeps warm (the mutated
file is restored after each candidate, so builds stay incremental; the tests that can see the
mutated file run first, the whole suite only for candidates they catch) -> kept when it builds and
at least one stable test now fails.  Kept bugs become commits in the store and SWE-bench instances
whose ``patch`` is the fix; every candidate's verdict is recorded as it finishes, so a rerun
continues where the last one stopped.
"""

from __future__ import annotations

import concurrent.futures
import fnmatch
import hashlib
import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from harness.errors import CodeFailure
from harness.mutation import MutateOptions, Mutation, Variant, applied
from harness.outcome import Status
from harness.results import Manifest, RunWriter, fingerprint
from harness.sandbox import Limits, backend_options, get_backend
from harness.tasks import remote
from harness.tasks.native import PLUGIN, native_candidates, require
from harness.tasks.related import related_tests
from harness.tasks.store import TaskStore


class GenerateError(CodeFailure, RuntimeError):
    """The repository cannot be used (does not build, no passing tests, no plugin)."""


@dataclass
class GenerateOptions:
    language: str
    repo_name: str
    output: Path
    store: Path
    backend: str = "local"
    max_tasks: int = 200
    max_candidates: int | None = None
    workers: int = 2
    seed: int = 0
    timeout: float | None = None  # None: derived from the clean suite's time (see candidate_timeout)
    operators: tuple[str, ...] | None = None
    network: bool = False  # let sessions download dependencies (npm, cargo, go modules)
    related_first: bool = True  # kill check on the tests that can see the mutated file first
    fail_fast: bool = True  # the kill check stops at its first failing test
    sources: tuple[str, ...] = ("plugin",)  # candidate sources: plugin, cargo-mutants, mutmut
    files: tuple[str, ...] | None = None  # globs of the files to mutate; None: every source file
    image_registry: str | None = None  # docker: pull a missing language image from here (on every node) before building it


@dataclass
class Baseline:
    stable: list[str]
    flaky: list[str]
    failing: list[str]
    seconds: float
    test_seconds: float = 0.0  # the slower of the clean suite's runs
    build_seconds: float = 0.0  # the clean build (a worker's first, cold build takes about this)


def candidate_timeout(base: Baseline) -> float:
    """Seconds one build or test run of a candidate may take when the user gave no --timeout.

    A mutant that loops forever would otherwise hold a worker for the whole default limit (10
    minutes); like cargo-mutants and mutmut, scale the limit from the clean suite's own time.
    """
    return max(10.0, 5 * base.test_seconds + 5, 3 * base.build_seconds)


@dataclass
class GenerateReport:
    candidates: int = 0
    validated: int = 0
    not_applied: int = 0
    build_failed: int = 0
    survived: int = 0
    caught: int = 0
    kept: int = 0
    seconds: float = 0.0
    baseline: Baseline | None = None
    by_verdict: dict[str, int] = field(default_factory=dict)


def normalised_diff(diff: str) -> str:
    """A diff without headers, hunk positions or whitespace: equal for the same (buggy, fixed) change."""
    lines = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return "\n".join(re.sub(r"\s+", "", ln) for ln in lines)


def baseline(session, pm, runs: int = 2) -> Baseline:
    hooks = pm.for_language(session.language)
    start = time.monotonic()
    build = hooks.gauntlet_build(session=session)
    build_seconds = time.monotonic() - start
    if build is not None and not build.ok:
        raise GenerateError("the clean repository does not build: " + "; ".join(str(d) for d in build.errors[:5]))
    reports, slowest = [], 0.0
    for _ in range(runs):
        t0 = time.monotonic()
        reports.append(hooks.gauntlet_test(session=session, selection=None, fail_fast=False))
        slowest = max(slowest, time.monotonic() - t0)
    if any(r is None for r in reports):
        raise GenerateError(f"no plugin runs the tests of language {session.language!r}")
    ids = set().union(*(r.tests for r in reports))
    stable = sorted(t for t in ids if all(t in r.tests and r.tests[t].status == Status.PASSED for r in reports))
    statuses = {t: {r.tests[t].status if t in r.tests else None for r in reports} for t in ids}
    flaky = sorted(t for t, s in statuses.items() if len(s) > 1)
    failing = sorted(t for t in ids if t not in stable and t not in flaky)
    if not stable:
        why = reports[0].error or "no test passes on the clean repository"
        raise GenerateError(f"cannot generate tasks: {why}")
    return Baseline(stable, flaky, failing, time.monotonic() - start, slowest, build_seconds)


def validate(session, pm, mutation: Mutation, stable: list[str], related: list[str] | None = None,
             fail_fast: bool = False) -> dict[str, Any]:
    """Apply one candidate, build, test; always restore the file.  Returns the verdict record.

    With ``related`` (the stable tests that can see the mutated file), those run first: when none of
    them fails the candidate is a survivor without a whole-suite run; when one fails, the whole
    suite runs for the task's FAIL_TO_PASS and PASS_TO_PASS.  With ``fail_fast`` that kill check
    stops at its first failure (``gauntlet_test``'s ``fail_fast``, which plugins pass to their runner).
    """
    hooks = pm.for_language(session.language)
    original = session.read_file(mutation.file)
    verdict: dict[str, Any] = {"operator": mutation.operator, "file": mutation.file, "line": mutation.line}
    start = time.monotonic()
    try:
        patched = session.apply_patch(mutation.diff)
        if not patched.applied:
            return {**verdict, "verdict": "not_applied", "why": patched.message}
        buggy = session.read_file(mutation.file).decode("utf-8", "replace")
        build = hooks.gauntlet_build(session=session)
        if build is not None and not build.ok:
            return _build_failed(verdict, build)
        if related:
            verdict["kill_check"] = f"{len(related)} related tests"
            first = hooks.gauntlet_test(session=session, selection=related, fail_fast=fail_fast)
            if not _broken(first, related):
                return {**verdict, "verdict": "survived"}
        report = hooks.gauntlet_test(session=session, selection=None, fail_fast=False)
        return _judged(verdict, report, stable, session.workdir, buggy)
    finally:
        session.write_file(mutation.file, original)
        verdict["seconds"] = round(time.monotonic() - start, 3)


def _judged(verdict: dict[str, Any], report, stable: list[str], workdir: str, buggy: str,
            unaffected: list[str] | None = None) -> dict[str, Any]:
    """The verdict from the whole suite's run on the buggy code: caught when a stable test fails.
    ``unaffected`` tests were not run (they never reach the bug) and keep their clean outcome."""
    status = {t: r.status for t, r in report.tests.items()}
    skip = set(unaffected or ())
    f2p = [t for t in stable if t not in skip and (status.get(t) in (Status.FAILED, Status.ERROR)
                                                    or (t not in status and report.timed_out))]
    p2p = [t for t in stable if status.get(t) == Status.PASSED or t in skip]
    if not f2p:
        return {**verdict, "verdict": "survived"}
    # Messages name the sandbox's paths; keep them relative to the project.
    messages = {t: (report.tests[t].message or "").replace(workdir + "/", "")[:400] for t in f2p if t in report.tests}
    extra = {"pass_to_pass_not_run": sum(t in skip for t in stable)} if unaffected is not None else {}
    return {**verdict, "verdict": "caught", "FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p, "messages": messages,
            "timed_out": report.timed_out, "log_tail": report.log[-3000:].replace(workdir + "/", ""), "buggy": buggy,
            **extra}


BATCH = 64  # most candidates per gauntlet_test_variants call: its runner's start-up amortised


@dataclass
class WarmSession:
    """What ``validate_batch`` learns about one warm session over its batches."""

    # The plugin runs only the tests that reach each change (it answered with ``unaffected``).
    narrows_to_callers: bool = False


def validate_batch(session, pm, tree: Path, batch: list[Mutation], stable: list[str],
                   related: Callable[[Mutation], list[str] | None], fail_fast: bool,
                   learned: WarmSession | None = None) -> list[dict[str, Any]]:
    """``validate`` for several candidates through the plugin's ``gauntlet_test_variants``: the kill
    checks of the whole batch in one call, then one call for the whole-suite runs of those caught.
    Same verdicts as ``validate``; candidates the plugin does not answer for go through ``validate``.

    A plugin that reports ``unaffected`` tests runs only the tests that reach each change; its kill
    check and whole-suite run are then the same tests, so after its first answer this session asks
    once per candidate, for the whole suite without fail-fast.  ``learned``: what earlier batches on
    this session found (updated here); None for a session's first batch."""
    learned = learned or WarmSession()
    records: dict[int, dict[str, Any]] = {}
    heads = [{"operator": m.operator, "file": m.file, "line": m.line} for m in batch]
    sources: dict[str, str] = {}
    checks: list[tuple[int, Variant]] = []
    one_pass = learned.narrows_to_callers
    for i, m in enumerate(batch):
        if m.file not in sources:
            sources[m.file] = (tree / m.file).read_text(encoding="utf-8")
        buggy = applied(sources[m.file], m)
        if buggy is None:
            records[i] = {**heads[i], "verdict": "not_applied", "why": "the span no longer holds the original text"}
            continue
        selection = None if one_pass else related(m)
        checks.append((i, Variant(m.file, buggy, selection, fail_fast if selection else False)))
    full: list[tuple[int, Variant]] = []
    for (i, v), res in zip(checks, _variants(session, pm, [v for _, v in checks]), strict=False):
        head = {**heads[i], "seconds": round(res.tests.duration if res.tests else 0.0, 3)}
        if res.unaffected is not None:
            learned.narrows_to_callers = True
        if not res.build.ok:
            records[i] = _build_failed(head, res.build)
        elif v.selection:
            # recorded on the survivor and, through heads, on the whole-suite run that follows
            heads[i]["kill_check"] = head["kill_check"] = f"{len(v.selection)} related tests"
            skip = set(res.unaffected or ())
            if _broken(res.tests, [t for t in v.selection if t not in skip]):
                full.append((i, Variant(v.file, v.text)))
            else:
                records[i] = {**head, "verdict": "survived"}
        else:
            records[i] = _judged(head, res.tests, stable, session.workdir, v.text, res.unaffected)
    for (i, v), res in zip(full, _variants(session, pm, [v for _, v in full]), strict=False):
        head = {**heads[i], "seconds": round(res.tests.duration if res.tests else 0.0, 3)}
        records[i] = (_judged(head, res.tests, stable, session.workdir, v.text, res.unaffected) if res.build.ok
                      else _build_failed(head, res.build))
    return [records[i] if i in records else validate(session, pm, m, stable, related(m), fail_fast)
            for i, m in enumerate(batch)]


def _variants(session, pm, variants: list[Variant]) -> list:
    """The plugin's ``VariantResult`` per variant; fewer (none) where it does not batch."""
    if not variants:
        return []
    return pm.for_language(session.language).gauntlet_test_variants(session=session, variants=variants) or []


def _build_failed(verdict: dict[str, Any], build) -> dict[str, Any]:
    return {**verdict, "verdict": "build_failed", "why": "; ".join(str(d) for d in build.errors[:3])}


def _broken(report, tests: list[str]) -> bool:
    status = {t: r.status for t, r in report.tests.items()}
    return report.timed_out or bool(report.error) or any(
        status.get(t) in (Status.FAILED, Status.ERROR) or t not in status for t in tests)


def problem_statement(repo: str, f2p: list[str], messages: dict[str, str]) -> str:
    """Written from the failing tests' names and messages only — never from the diff."""
    lines = [f"Some tests of {repo} fail after a recent change; they passed before.", "", "Failing tests:"]
    for t in f2p[:20]:
        msg = " ".join((messages.get(t) or "").split())[:300]
        lines.append(f"- {t}" + (f": {msg}" if msg else ""))
    if len(f2p) > 20:
        lines.append(f"- ... and {len(f2p) - 20} more")
    lines += ["", "Find the bug in the source code and fix it so that these tests pass again, without changing the tests."]
    return "\n".join(lines)


@dataclass
class Plan:
    """What a run validates, fixed before the first candidate: the clean tree in the task store,
    the sessions' limits, the baseline, the distinct candidates and the record of their verdicts
    (``record`` writes one; a rerun resumes from them).  ``plan`` makes it; ``LocalValidation`` or
    ``ClusterValidation`` runs the baseline and the candidates."""

    opts: GenerateOptions
    pm: Any
    tree: Path
    clean_commit: str
    store: TaskStore
    limits: Limits
    cache_key: str  # prefix of the sessions' build caches
    report: GenerateReport = field(default_factory=GenerateReport)
    base: Baseline | None = None
    candidates: list[Mutation] = field(default_factory=list)
    writer: RunWriter | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wanted(self) -> bool:
        """Fewer tasks kept than asked for."""
        return self.report.kept < self.opts.max_tasks

    def related(self, m: Mutation) -> list[str] | None:
        """The stable tests the kill check runs first, or None for the whole suite."""
        if not self.opts.related_first:
            return None
        return related_tests(self.tree, self.opts.language, m.file, self.base.stable, self.pm)

    def timed(self, base: Baseline) -> None:
        """Take the baseline; without a --timeout, the candidates' limit scales with it."""
        self.base = self.report.baseline = base
        if self.opts.timeout is None:
            self.limits = replace(self.limits, timeout=candidate_timeout(base))

    def open_records(self, candidates: list[Mutation]) -> list[Mutation]:
        """Keep the distinct candidates, open the run's records; the candidates still to validate."""
        seen: set[str] = set()
        for m in candidates:
            norm = normalised_diff(m.diff)
            if norm and norm not in seen:
                seen.add(norm)
                self.candidates.append(m)
        self.report.candidates = len(self.candidates)
        opts, base = self.opts, self.base
        manifest = Manifest(benchmark="tasks", backend=opts.backend, seed=opts.seed, dataset=opts.repo_name,
                            dataset_fingerprint=fingerprint([self.clean_commit]),
                            args={"language": opts.language, "max_tasks": opts.max_tasks, "workers": opts.workers,
                                  "stable_tests": len(base.stable), "flaky_tests": base.flaky})
        self.writer = RunWriter(opts.output.parent / f"{opts.output.name}.run", manifest)
        for rec in self.writer.done.values():
            _count(self.report, rec)
        return [m for m in self.candidates if m.id not in self.writer.done]

    def record(self, m: Mutation, rec: dict[str, Any]) -> bool:
        """Write one verdict; False (and nothing written) for a task caught past --max."""
        with self.lock:
            if not self.wanted and rec["verdict"] == "caught":
                return False
            self.writer.write(m.id, {**rec, "diff": m.diff})
            _count(self.report, rec)
            return True


def plan(source: Path, opts: GenerateOptions, pm) -> Plan:
    """Check the candidate sources, snapshot ``source`` into the task store."""
    for name in opts.sources:
        require(name, opts.language, pm)
    store = TaskStore(opts.store, opts.repo_name)
    clean_commit, tree = store.snapshot(source)
    return Plan(opts, pm, tree, clean_commit, store, Limits(timeout=opts.timeout or Limits().timeout),
                f"tasks-{opts.repo_name.replace('/', '__')}")


class LocalValidation:
    """Warm sessions in this process's threads, one per worker; the first one runs the baseline."""

    def __init__(self, p: Plan):
        self.p = p
        opts = p.opts
        self.spec = p.pm.for_language(opts.language).gauntlet_image(language=opts.language) if opts.backend == "docker" else None
        self.backend = get_backend(opts.backend, **backend_options(opts.backend, opts.image_registry))
        self.sessions: list = []

    def _open(self, worker: int):
        p = self.p
        session = self.backend.open(p.tree, language=p.opts.language, image=self.spec, limits=p.limits,
                                    network=p.opts.network, cache_key=f"{p.cache_key}-w{worker}")
        self.sessions.append(session)
        return session

    def baseline(self) -> Baseline:
        return baseline(self._open(0), self.p.pm)

    def validate(self, todo: list[Mutation], on_progress: Callable[[GenerateReport], None] | None) -> None:
        p, opts = self.p, self.p.opts
        self.sessions[0].limits = p.limits  # the candidates' limit, scaled from the baseline
        queued: queue.Queue[Mutation] = queue.Queue()
        for m in todo:
            queued.put(m)
        # Without the plugin's batch hook each candidate is validated on its own: a batch of one
        # records it at once (nothing lost on an interrupt) and stops right at --max.
        batches = p.pm.implements("gauntlet_test_variants", opts.language)
        busy = [0]  # workers validating a batch now

        def take() -> list[Mutation]:
            # What is left is shared among the workers free now: a batch costs one start-up (a
            # collection, a schemata build), so fewer and larger batches are faster, and a worker
            # that comes free later still finds its share.  A batch runs to its end, so none is
            # larger than twice the tasks still wanted: little is validated past --max.
            with p.lock:
                share = -(-queued.qsize() // max(1, opts.workers - busy[0]))
                size = max(1, min(BATCH, share, 2 * (opts.max_tasks - p.report.kept))) if batches else 1
                batch = []
                while len(batch) < size and (m := _next(queued)):
                    batch.append(m)
                busy[0] += bool(batch)
                return batch

        def worker(session) -> None:
            learned = WarmSession()
            while p.wanted and (batch := take()):
                try:
                    records = validate_batch(session, p.pm, p.tree, batch, p.base.stable, p.related, opts.fail_fast,
                                             learned)
                finally:
                    with p.lock:
                        busy[0] -= 1
                for m, rec in zip(batch, records, strict=False):
                    if not p.record(m, rec):
                        return
                    if on_progress:
                        on_progress(p.report)

        sessions = [self.sessions[0]] + [self._open(i) for i in range(1, max(1, opts.workers))]
        threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def close(self) -> None:
        for session in self.sessions:
            session.close()


class ClusterValidation:
    """Jobs of a job runner (Ray, ``harness.tasks.remote``): the baseline is one job and each
    candidate another, on warm sessions of the nodes."""

    def __init__(self, p: Plan, runner):
        self.p, self.runner = p, runner
        self.packed = None

    def _spec(self) -> dict[str, Any]:
        opts = self.p.opts
        return remote.session_spec(opts.language, opts.backend, self.p.limits, opts.network, self.p.cache_key,
                                   opts.image_registry)

    def baseline(self) -> Baseline:
        self.packed, base = remote.run_baseline(self.runner, self.p.tree, self._spec())
        return base

    def validate(self, todo: list[Mutation], on_progress: Callable[[GenerateReport], None] | None) -> None:
        p = self.p

        def accept(m: Mutation, rec: dict | None) -> bool:
            if rec is None:  # infrastructure failure twice: no record, a rerun tries again
                p.report.by_verdict["infra_error"] = p.report.by_verdict.get("infra_error", 0) + 1
            else:
                p.record(m, rec)
            if on_progress:
                on_progress(p.report)
            return p.wanted

        if p.wanted:
            remote.validate_all(self.runner, self.packed, self._spec(), todo, p.base.stable, p.related,
                                p.opts.fail_fast, accept)

    def close(self) -> None:
        pass


def generate(
    source: Path,
    opts: GenerateOptions,
    pm,
    on_progress: Callable[[GenerateReport], None] | None = None,
    runner=None,
) -> GenerateReport:
    """Generate tasks from ``source``.  ``runner``: a ``harness.jobs`` job runner (Ray) that runs
    the baseline and the candidates on its nodes (``harness.tasks.remote``); None: warm sessions in
    this process's threads."""
    start = time.monotonic()
    p = plan(source, opts, pm)
    # Listing candidates (mutmut's or cargo-mutants' listing takes seconds) needs only the clean
    # tree: it runs while the baseline does.
    listing = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="candidates")
    pool = listing.submit(candidate_pool, p.tree, opts, pm)
    listing.shutdown(wait=False)
    how = LocalValidation(p) if runner is None else ClusterValidation(p, runner)
    try:
        p.timed(how.baseline())
        how.validate(p.open_records(pool.result()), on_progress)
    finally:
        how.close()
    write_tasks(p.writer, p.store, p.clean_commit, p.candidates, opts)
    p.report.seconds = time.monotonic() - start
    return p.report


def _next(todo: queue.Queue) -> Mutation | None:
    try:
        return todo.get_nowait()
    except queue.Empty:
        return None


def candidate_pool(tree: Path, opts: GenerateOptions, pm) -> list[Mutation]:
    """Candidates from each source in ``opts.sources``, each capped at ``max_candidates``."""
    paths = _matching(tree, opts.files) if opts.files else None
    if paths == []:
        raise GenerateError(f"no file of the repository matches {', '.join(opts.files)}")
    found: list[Mutation] = []
    for source in opts.sources:
        if source == PLUGIN:
            found += pm.for_language(opts.language).gauntlet_mutate(
                workspace=tree,
                options=MutateOptions(language=opts.language, seed=opts.seed, max_candidates=opts.max_candidates,
                                      operators=opts.operators, files=tuple(paths) if paths else None),
            ) or []
        else:
            native = native_candidates(source, opts.language, tree, paths, pm)
            if paths is not None:  # cargo-mutants lists the whole crate
                native = [m for m in native if m.file in paths]
            if opts.operators:
                native = [m for m in native if m.operator in opts.operators or source in opts.operators]
            found += native[: opts.max_candidates] if opts.max_candidates else native
    return found


def _matching(tree: Path, patterns: tuple[str, ...]) -> list[str]:
    """The tree's files (relative paths) that match any of the globs."""
    files = (p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)
    return sorted(f for f in files if any(fnmatch.fnmatch(f, pat) for pat in patterns))


def _count(report: GenerateReport, rec: dict) -> None:
    v = rec["verdict"]
    report.by_verdict[v] = report.by_verdict.get(v, 0) + 1
    report.validated += 1
    if v == "caught":
        report.caught += 1
        report.kept += 1
    elif v == "survived":
        report.survived += 1
    elif v == "build_failed":
        report.build_failed += 1
    elif v == "not_applied":
        report.not_applied += 1


def write_tasks(writer: RunWriter, store: TaskStore, clean: str, order: list[Mutation], opts: GenerateOptions) -> int:
    """Write tasks.jsonl and the debug pairs (``<output>.debug.jsonl``) from the caught candidates, in candidate order."""
    from harness.benchmarks.swebench.instance import GAUNTLET_PARSER

    by_id = {m.id: m for m in order}
    caught = [(by_id[k], r) for k, r in writer.done.items() if r["verdict"] == "caught" and k in by_id]
    position = {m.id: i for i, m in enumerate(order)}
    caught.sort(key=lambda mr: position[mr[0].id])
    caught = caught[: opts.max_tasks]
    debug_path = opts.output.with_name(opts.output.stem + ".debug.jsonl")
    tree = store.path.parent / f".{store.path.name}.clean"
    ids = {}
    for m, _rec in caught:
        digest = hashlib.sha256(normalised_diff(m.diff).encode()).hexdigest()[:10]
        # ids name git branches and files: keep them to characters both accept
        ids[m.id] = re.sub(r"[^A-Za-z0-9._-]", "_", f"{opts.repo_name.replace('/', '__')}.{m.operator}.{digest}")
    commits = store.commit_changes(clean, [(m.file, rec["buggy"].encode("utf-8"), f"gauntlet/{ids[m.id]}", f"bug {ids[m.id]}")
                                           for m, rec in caught])
    with open(opts.output, "w", encoding="utf-8") as tasks, open(debug_path, "w", encoding="utf-8") as debug:
        for m, rec in caught:
            fixed = (tree / m.file).read_bytes()
            buggy_text = rec["buggy"]
            iid = ids[m.id]
            buggy, patch = commits[f"gauntlet/{iid}"]
            instance = {
                "repo": opts.repo_name,
                "instance_id": iid,
                "base_commit": buggy,
                "patch": patch,
                "test_patch": "",
                "problem_statement": problem_statement(opts.repo_name, rec["FAIL_TO_PASS"], rec.get("messages", {})),
                "hints_text": "",
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "version": "gauntlet",
                "FAIL_TO_PASS": rec["FAIL_TO_PASS"],
                "PASS_TO_PASS": rec["PASS_TO_PASS"],
                "environment_setup_commit": clean,
                "image": "",
                "eval_script": "",
                "log_parser": GAUNTLET_PARSER,  # the SWE-bench evaluator's name for "the plugin runs the tests"
                "eval_type": "pass_and_fail",
                "language": opts.language,
                "mutation": {"operator": m.operator, "file": m.file, "line": m.line,
                             "original": m.original, "replacement": m.replacement},
                "repos_dir": str(store.path.parent.resolve()),
            }
            tasks.write(json.dumps(instance) + "\n")
            debug.write(json.dumps({
                "instance_id": iid, "language": opts.language, "file": m.file,
                "buggy": buggy_text, "fixed": fixed.decode("utf-8", "replace"),
                "failing_tests": rec["FAIL_TO_PASS"], "failing_output": rec.get("log_tail", ""),
            }) + "\n")
    return len(caught)
