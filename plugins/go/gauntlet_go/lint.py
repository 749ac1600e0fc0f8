"""Lint: ``go vet -json``, gofmt-cleanliness and, when it is installed, ``staticcheck -f json``.

Every finding is a warning (the code built and its tests ran; lint only lowers the reward).  gofmt
checks the module's own files as ``go list`` sees them (never ``vendor/`` or ``testdata/``); its
diagnostic points at the first line that ``gofmt -d`` would change.
"""

from __future__ import annotations

import json
import posixpath
import re

from gauntlet_go import gocmd
from gauntlet_go.diagnostics import parse_positions, parse_vet_json, relative
from harness.outcome import Diagnostic, LintReport

_FILES = ('{{.Dir}}{{range .GoFiles}}\t{{.}}{{end}}{{range .CgoFiles}}\t{{.}}{{end}}'
          '{{range .TestGoFiles}}\t{{.}}{{end}}{{range .XTestGoFiles}}\t{{.}}{{end}}'
          '{{range .IgnoredGoFiles}}\t{{.}}{{end}}')


def lint(session) -> LintReport:
    tools = ["go vet", "gofmt"]
    vet = gocmd.run(session, ["vet", "-json", *gocmd.packages(session)])
    diags = parse_vet_json(vet.stdout + "\n" + vet.stderr, session.workdir)
    log = f"$ go vet -json ./...\n{vet.output}"
    if vet.exit_code != 0:  # type errors, printed as text even with -json
        diags += parse_positions(vet.stderr, session.workdir)
        if not diags:
            return LintReport([], "go vet", log, error=f"go vet failed: {vet.output.strip()[-500:]}")
    fmt_diags, fmt_log = gofmt(session)
    diags += fmt_diags
    log += fmt_log
    static = session.exec(["staticcheck", "-version"], env=gocmd.env(session), timeout=30)
    if static.exit_code == 0:
        tools.append("staticcheck")
        sc = session.exec(["staticcheck", "-f", "json", *gocmd.packages(session)], env=gocmd.env(session),
                          timeout=session.limits.timeout)
        log += f"$ staticcheck -f json ./...\n{sc.output}"
        diags += parse_staticcheck(sc.stdout, session.workdir)
    return LintReport(diags, "+".join(tools), log)


def gofmt(session) -> tuple[list[Diagnostic], str]:
    listing = gocmd.run(session, ["list", "-e", "-f", _FILES, *gocmd.packages(session)], timeout=120)
    files = []
    for line in listing.stdout.splitlines():
        directory, *names = line.split("\t")
        files += [relative(posixpath.join(directory, n), session.workdir) for n in names]
    files = [f for f in sorted(set(files)) if not posixpath.isabs(f)]
    if not files:
        return [], ""
    result = session.exec(["gofmt", "-d", *files], timeout=120)
    return parse_gofmt_diff(result.stdout), f"$ gofmt -d <{len(files)} files>\n{result.output}"


_DIFF_FILE = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
_HUNK = re.compile(r"^@@ -(\d+)")


def parse_gofmt_diff(diff: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    current, line_no, done = None, 0, True
    for line in diff.splitlines():
        m = _DIFF_FILE.match(line)
        if m:
            current, done = m.group(1), False
            continue
        m = _HUNK.match(line)
        if m and current and not done:
            line_no = int(m.group(1))
            continue
        if current and not done and line_no and line[:1] in ("-", "+"):
            out.append(Diagnostic("file is not gofmt-formatted (run gofmt -w)", file=current,
                                  line=line_no, severity="warning", code="gofmt"))
            done = True
        elif current and not done and line_no and line.startswith(" "):
            line_no += 1
    return out


def parse_staticcheck(stdout: str, workdir: str) -> list[Diagnostic]:
    out = []
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        loc = item.get("location") or {}
        out.append(Diagnostic(item.get("message", ""), file=relative(loc["file"], workdir) if loc.get("file") else None,
                              line=loc.get("line"), column=loc.get("column"), severity="warning",
                              code=item.get("code")))
    return out
