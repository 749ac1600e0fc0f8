"""Run an instance's eval script with its output in a file and its resource use measured, in the sandbox.

The output goes to a file in the sandbox and is read back whole: a command's captured output keeps
only a head and a tail (4 MiB), which drops the middle of a long log, where the graded section may
be.  ``TEST_OUTPUT_LIMIT`` bounds what is read back, far above real logs; past it the instance is
an error that says so, never a log cut silently.

CPU time is what the eval script's process tree used (bash's ``times``: user + system of waited
children).  Peak memory: under Docker the container's cgroup high-water mark (v1
``memory.max_usage_in_bytes`` or v2 ``memory.peak``, the whole tree at once); under the local jail
``ru_maxrss`` of the children (the largest single process), which is what the jail can see.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

TEST_OUTPUT_FILE = "gauntlet-test-output.txt"
USAGE_FILE = "gauntlet-usage.txt"
TEST_OUTPUT_LIMIT = 256 * 2**20

# Local jail: the harness's own python is reachable there; it runs the script and reports rusage.
_PY_WRAPPER = (
    "import resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as f:\n"
    "    rc = subprocess.call(sys.argv[3:], stdout=f, stderr=subprocess.STDOUT)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[2], 'w').write(f'cpu {u.ru_utime + u.ru_stime} maxrss_kb {u.ru_maxrss}\\n')\n"
    "sys.exit(rc if rc >= 0 else 128 - rc)\n"
)
_CGROUP_PEAK = "cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null"


@dataclass
class Usage:
    cpu_seconds: float | None = None
    peak_memory_mb: float | None = None


def eval_command(session, script: str) -> list[str]:
    """The argv that runs ``script`` (a path in the sandbox) with its output and usage in files."""
    work = session.workdir
    out, usage = shlex.quote(f"{work}/{TEST_OUTPUT_FILE}"), shlex.quote(f"{work}/{USAGE_FILE}")
    if session.protections.get("backend") == "local":
        return ["python3", "-c", _PY_WRAPPER, f"{work}/{TEST_OUTPUT_FILE}", f"{work}/{USAGE_FILE}", "bash", script]
    return ["bash", "-c", f"bash {shlex.quote(script)} >{out} 2>&1; rc=$?; times >{usage}; "
                          f"echo peak_bytes $({_CGROUP_PEAK}) >>{usage}; exit $rc"]


def read_usage(session) -> Usage:
    """What the wrapper wrote; None for what it could not measure (a killed script writes nothing)."""
    try:
        text = session.read_file(USAGE_FILE).decode("utf-8", "replace")
    except (OSError, ValueError):
        return Usage()
    usage = Usage()
    if m := re.search(r"cpu ([\d.]+) maxrss_kb (\d+)", text):
        usage.cpu_seconds, usage.peak_memory_mb = float(m.group(1)), int(m.group(2)) / 1024
        return usage
    times = re.findall(r"(\d+)m([\d.]+)s", text)
    if len(times) >= 4:  # the shell's user, system, then its children's
        usage.cpu_seconds = sum(int(mn) * 60 + float(s) for mn, s in times[2:4])
    if m := re.search(r"peak_bytes (\d+)", text):
        usage.peak_memory_mb = int(m.group(1)) / 2**20
    return usage


def output_size(session) -> int | None:
    """Bytes of the test output file, or None when the script left none."""
    r = session.exec(["stat", "-c", "%s", f"{session.workdir}/{TEST_OUTPUT_FILE}"], timeout=60)
    return int(r.stdout.strip()) if r.exit_code == 0 and r.stdout.strip().isdigit() else None


def read_output(session, size: int | None) -> str:
    """The whole test output (``size`` at most ``TEST_OUTPUT_LIMIT``: checked by the caller)."""
    if not size:
        return ""
    return session.read_file(TEST_OUTPUT_FILE).decode("utf-8", "replace")


def output_ends(session, keep: int = 2**20) -> str:
    """The head and tail of an over-limit output, for the log of the instance that it failed."""
    path = shlex.quote(f"{session.workdir}/{TEST_OUTPUT_FILE}")
    marker = "\\n[... gauntlet: output over the limit, middle not kept ...]\\n"
    r = session.exec(["bash", "-c", f"head -c {keep} {path}; printf '{marker}'; tail -c {keep} {path}"], timeout=120)
    return r.stdout
