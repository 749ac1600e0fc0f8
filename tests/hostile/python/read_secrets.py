"""Read secrets: a file in the harness user's real home (argv[1]), then the environment and command line
of every process /proc shows: init's, our parent's, the harness's own."""
import os
import sys

try:
    with open(sys.argv[1]) as f:
        print("SECRET-FILE:" + f.read())
except OSError as e:
    print(f"secret file unreadable: {e}", file=sys.stderr)
try:
    pids = [name for name in os.listdir("/proc") if name.isdigit()]
except OSError:  # no /proc at all
    pids = []
print(f"PROCS {len(pids)}")
for pid in dict.fromkeys(["1", str(os.getppid()), *pids]):
    for part in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as f:
                text = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        print(f"PROC {pid} {part}: {text[:4000]}")
