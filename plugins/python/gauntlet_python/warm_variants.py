"""The warm path of ``variant_runner``: collect the suite once, then test each variant in a fork of
that session, with the mutated function's new code swapped into the live function objects.

Why: a forked ``pytest.main`` per variant still parses its arguments, collects the suite and
reports, for every variant; and a bug inside a function can only change the outcome of the tests
that call that function.  So the suite is collected once, one clean run
records which tests call which functions (``sys.settrace``, call events only) and how long each
test takes, and each variant then runs, in a child forked from the collected session, only the
tests that called the function it changes.  The others are reported as ``unaffected``: on the clean
code they pass, and the buggy code is never reached by them.  mutmut 3 selects tests the same way.

A variant qualifies when its change lies inside the ``def`` of a function defined at module level
or in a class (its signature or body; nested functions are part of their outer function): only
then is "which tests call it" the whole story.  Changes elsewhere (module-level statements, class
attributes, decorators), projects whose suite does not pass cleanly in this runner, and collection
errors are left to the cold path (a fresh ``pytest.main`` per variant), which answers for them.

Known approximation, as with mutmut: a value computed at import time from a mutated function keeps
its clean value.  Standard library only, plus pytest; this text is prepended to ``variant_runner``.
"""

import ast
import gc
import hashlib
import json
import os
import signal
import sys
import time

COVERAGE_CACHE = ".gauntlet-coverage.json"  # per clean tree, kept in the session's workspace


def _key(code):
    return f"{code.co_filename}:{code.co_firstlineno}:{code.co_name}"


class Change:
    """A variant whose whole change lies in one function's definition (signature or body, not its
    decorators): that function's ``def`` recompiled from the variant's text.  In a child, ``apply``
    runs the new ``def`` against the module's globals and moves its code, defaults and annotations
    into the live function objects.  ``of`` returns None when no such function holds the change."""

    def __init__(self, key, module_code, code, name, classes, path):
        self.key, self.module_code, self.code, self.name, self.classes, self.path = key, module_code, code, name, classes, path

    @staticmethod
    def of(path, original, variant, parsed):
        if variant == original:
            return None
        start = _common_prefix(original, variant)
        end = _common_suffix(original[start:], variant[start:])
        first, last = _position(original, start), _position(original, len(original) - end)
        for fn, classes, begin, finish in parsed.functions:
            if begin <= first and last <= finish:
                return Change.compile(path, original, variant, fn, classes, parsed.flags)
        return None

    @staticmethod
    def compile(path, original, variant, fn, classes, flags):
        """The ``def`` from the variant's lines, compiled where it stands: same line numbers, and
        inside a class of the same name for a method (private-name mangling, ``super()``)."""
        lines = variant.splitlines(keepends=True)
        shift = len(lines) - len(original.splitlines(keepends=True))
        body = lines[fn.lineno - 1:fn.end_lineno + shift]
        if classes:
            if fn.lineno < 2:
                return None
            text = "\n" * (fn.lineno - 2) + f"class {classes[-1]}:\n" + "".join(body)
        else:
            text = "\n" * (fn.lineno - 1) + "".join(body)
        try:
            module = compile(text, path, "exec", flags=flags, dont_inherit=True)
        except (SyntaxError, ValueError):
            return None
        scope = module
        if classes:
            scope = next((c for c in module.co_consts if hasattr(c, "co_name") and c.co_name == classes[-1]), None)
        code = next((c for c in getattr(scope, "co_consts", ()) if hasattr(c, "co_name") and c.co_name == fn.name), None)
        if code is None:
            return None
        first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
        return Change(f"{path}:{first}:{fn.name}", module, code, fn.name, classes, path)

    def apply(self, live):
        """Child only: the new ``def`` evaluated in (a copy of) the module's namespace, so default
        values and annotations are the variant's, then moved into every live function object."""
        namespace = dict(live[0].__globals__)
        exec(self.module_code, namespace)
        new = namespace[self.classes[-1]].__dict__[self.name] if self.classes else namespace[self.name]
        for f in live:
            f.__code__ = new.__code__
            f.__defaults__, f.__kwdefaults__ = new.__defaults__, new.__kwdefaults__
            f.__annotations__ = new.__annotations__


def _common_prefix(a, b):
    """Length of the common prefix, by halving (each comparison is one C-level memcmp)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a, b):
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _position(text, offset):
    """(line, column) of a character offset, both counted as ``ast`` does (line from 1)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return line, column


def _chars(line, byte_offset):
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


class Parsed:
    """A clean file's functions (module level and in classes) with the span of each ``def`` (from
    the keyword to its end, decorators excluded), and the file's future flags."""

    def __init__(self, text, path):
        tree = ast.parse(text, path)
        self.lines = text.splitlines()
        self.functions = []
        self._walk(tree.body, [])
        self.flags = 0
        import __future__

        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for alias in node.names:
                    feature = getattr(__future__, alias.name, None)
                    if feature is not None:
                        self.flags |= feature.compiler_flag

    def _walk(self, body, classes):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                begin = (node.lineno, _chars(self.lines[node.lineno - 1], node.col_offset))
                end = (node.end_lineno, _chars(self.lines[node.end_lineno - 1], node.end_col_offset))
                self.functions.append((node, classes, begin, end))
            elif isinstance(node, ast.ClassDef):
                self._walk(node.body, classes + [node.name])


class Coverage:
    """Which tests (item indexes) call each function, each test's time, and whether the clean suite
    passed, from one traced run of every collected item; cached per clean tree in the workspace."""

    def __init__(self, data):
        self.calls = {k: set(v) for k, v in data["calls"].items()}
        self.durations = data["durations"]
        self.passed = data["passed"]

    @staticmethod
    def tree_hash(root):
        digest = hashlib.sha1()
        for base, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__", "node_modules"))
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(base, name)
                    digest.update(path.encode())
                    with open(path, "rb") as f:
                        digest.update(f.read())
        return digest.hexdigest()


def record(session, items, root, out):
    """Child: run every item, noting the code objects each one calls, and write the Coverage data
    to ``out``.  ``sys.settrace`` rather than ``setprofile``: its global function sees only Python
    calls (not C calls), and returning None leaves no per-line tracing (more-itertools' suite: 2.7 s
    untraced, 7.2 s traced)."""
    import threading

    calls, durations, seen = {}, [], set()
    prefix = os.path.join(root, "")

    def trace(frame, event, arg):
        seen.add(frame.f_code)

    run = _Runner(session)
    for i in range(len(items)):
        seen.clear()
        t0 = time.monotonic()
        threading.settrace(trace)
        sys.settrace(trace)
        try:
            run.one(items, i)
        finally:
            sys.settrace(None)
            threading.settrace(None)
        durations.append(time.monotonic() - t0)
        for code in seen:
            if code.co_filename.startswith(prefix):
                calls.setdefault(_key(code), []).append(i)
    data = {"calls": calls, "durations": durations, "passed": session.testsfailed == 0}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f)


class TestHang(BaseException):
    """Raised into a test that runs past its limit; BaseException so ``except Exception`` in the code
    under test cannot swallow it, and pytest reports it as that test's failure."""


class _Runner:
    """Runs chosen items of the collected session through pytest's own test protocol, each under
    its own time limit when ``limits`` are given.  A test that hangs fails, and the run stops there
    as a timed-out run does (exit status ``HUNG``): the tests left without a result count as broken."""

    HUNG = 124

    def __init__(self, session):
        self.session = session
        self.hung = False

    def one(self, items, i, limit=None):
        item = items[i]
        if limit:
            def hang(signum, frame):
                self.hung = True
                signal.setitimer(signal.ITIMER_REAL, 0.05)  # again, should the code catch it
                raise TestHang(f"{item.nodeid} did not finish within {limit:.2g}s")

            signal.signal(signal.SIGALRM, hang)
            signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
        except TestHang:  # fired outside the test's own phases (in a report hook): still a hang
            pass
        finally:
            if limit:
                signal.setitimer(signal.ITIMER_REAL, 0)

    def all(self, items, fail_fast, limits=None):
        s = self.session
        s.testsfailed, s.shouldfail, s.shouldstop = 0, False, False
        s.config.option.maxfail = 1 if fail_fast else 0
        s.items = items
        for i in range(len(items)):
            self.one(items, i, limits[i] if limits else None)
            if s.shouldfail or s.shouldstop or self.hung:
                break
        status = 1 if s.testsfailed else 0
        s.config.hook.pytest_sessionfinish(session=s, exitstatus=status)
        return self.HUNG if self.hung else status


class WarmLoop:
    """A pytest plugin: after collection, answer the variants this path can (see the module's
    docstring) and write their results; pytest's own test loop never runs here."""

    def __init__(self, req, emit, run_child, compile_error, tail):
        self.req, self.emit, self.run_child = req, emit, run_child
        self.compile_error, self.tail = compile_error, tail
        self.root = os.getcwd()

    def pytest_runtestloop(self, session):
        if session.testsfailed or not session.items:  # collection errors: the cold path reports them
            return True
        items = session.items
        _cap_memory()
        coverage = self.coverage(session, items)
        if coverage is None or not coverage.passed:
            return True
        functions = _live_functions(self.root)
        gc.collect()
        gc.freeze()  # the children's garbage collections then skip the collected session
        parsed, originals, loaded = {}, {}, {}
        runner = _Runner(session)
        for index, variant in enumerate(self.req["variants"]):
            path = os.path.join(self.root, variant["file"])
            if path not in originals:
                try:
                    with open(path, encoding="utf-8") as f:
                        originals[path] = f.read()
                    parsed[path] = Parsed(originals[path], path)
                except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
                    originals[path], parsed[path] = None, None
                loaded[path] = any(getattr(m, "__file__", None) == path for m in list(sys.modules.values()))
            if parsed[path] is None:
                continue
            error = self.compile_error(variant["text"], variant["file"])
            if error:
                self.emit(index, {"build_error": error})
                continue
            change = Change.of(path, originals[path], variant["text"], parsed[path])
            if change is None:
                continue
            live = functions.get(change.key, [])
            if (loaded[path] and not live) or any(f.__code__.co_freevars != change.code.co_freevars for f in live):
                continue
            self.emit(index, self.run(session, runner, items, coverage, variant, change, live, originals[path]))
        return True

    def coverage(self, session, items):
        digest = Coverage.tree_hash(self.root)
        cache = os.path.join(self.root, COVERAGE_CACHE)
        try:
            with open(cache, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("tree") == digest and data.get("items") == [i.nodeid for i in items]:
                return Coverage(data)
        except (OSError, ValueError):
            pass
        out = cache + ".new"
        code, timed_out = self.run_child(lambda: record(session, items, self.root, out), self.req["timeout"])
        try:
            with open(out, encoding="utf-8") as f:
                data = json.load(f)
            os.remove(out)
        except (OSError, ValueError):
            return None
        data.update(tree=digest, items=[i.nodeid for i in items])
        with open(cache, "w", encoding="utf-8") as f:
            json.dump(data, f)
        return Coverage(data)

    def limits(self, coverage, chosen, scale):
        """Per test: ``factor`` times its clean time, at least ``min_test_timeout``; for the whole
        run (a hang in C code, which no per-test alarm interrupts): ``factor`` times the chosen
        tests' clean time, at least ``min_timeout``.  Both times ``scale``, at most the session's cap."""
        # The clean times were taken under the call tracer (more-itertools' suite runs 2.7x slower
        # traced): 10x them is well over the cold path's 20x of the untraced time.
        factor, cap = self.req.get("warm_factor", 10.0), self.req["timeout"]
        per_test = [min(cap, scale * max(self.req.get("min_test_timeout", 0.25), factor * coverage.durations[i]))
                    for i in chosen]
        seconds = sum(coverage.durations[i] for i in chosen)
        return per_test, min(cap, scale * max(self.req.get("min_timeout", 0.5), factor * seconds))

    def run(self, session, runner, items, coverage, variant, change, live, original):
        wanted = set(variant.get("selection") or []) or None
        called = coverage.calls.get(change.key, set())
        chosen, unaffected = [], []
        for i, item in enumerate(items):
            if wanted is not None and item.nodeid not in wanted:
                continue
            (chosen if i in called else unaffected).append(i)
        result = {"exit_code": 0, "timed_out": False, "time_limit": 0.0, "seconds": 0.0, "log": "", "junit": None,
                  "unaffected": [items[i].nodeid for i in unaffected]}
        if not chosen:
            return result

        def test(swap, scale=1.0):
            per_test, limit = self.limits(coverage, chosen, scale)

            def child():
                if swap:
                    _write(change.path, variant["text"])
                    if live:
                        change.apply(live)
                return runner.all([items[i] for i in chosen], variant.get("fail_fast", False), per_test)
            code, timed_out = self.run_child(child, limit)
            junit = None
            try:
                with open(variant["junit"], encoding="utf-8", errors="replace") as f:
                    junit = f.read()
                os.remove(variant["junit"])
            except OSError:
                pass
            return code, timed_out or code == runner.HUNG, limit, junit, self.tail(self.req["log"])

        start = time.monotonic()
        try:
            code, timed_out, limit, junit, log = test(True)
            if timed_out and limit < self.req["timeout"]:
                # Time the clean code on the same tests: a slower machine, not the bug, may be why.
                _write(change.path, original)
                t0 = time.monotonic()
                test(False)
                took, expected = time.monotonic() - t0, sum(coverage.durations[i] for i in chosen)
                if took > 1.5 * expected + 0.5:  # the half second: a fork and pytest's session end
                    code, timed_out, limit, junit, log = test(True, took / max(expected, 0.01))
        finally:
            _write(change.path, original)
        result.update(exit_code=code, timed_out=timed_out, time_limit=limit, seconds=time.monotonic() - start,
                      log=log, junit=junit)
        return result


def _cap_memory(extra=2 << 30):
    """Let this process and its children grow by at most ``extra`` bytes of address space: a mutant
    that builds an endless list in C code (``list(count())``) then fails its test with MemoryError
    at once instead of swapping until the run's time limit.  The clean run is recorded under the
    same cap, so a suite that needs more takes the cold path."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = size + extra
        if soft == resource.RLIM_INFINITY or soft > want:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (OSError, ValueError, ImportError):
        pass


def _write(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))


def _live_functions(root):
    """Every function object defined in the workspace's files, by code key: what a swap rebinds
    (``from m import f`` copies, decorated functions kept as ``__wrapped__``, methods)."""
    prefix = os.path.join(root, "")
    found = {}
    for obj in gc.get_objects():
        code = getattr(obj, "__code__", None) if type(obj).__name__ == "function" else None
        if code is not None and code.co_filename.startswith(prefix):
            found.setdefault(_key(code), []).append(obj)
    return found
