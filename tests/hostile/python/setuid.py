"""Setuid: run a setuid-root copy of `id` (argv[1]) to gain root; no_new_privs or a nosuid mount would stop it."""
import subprocess
import sys

nnp = "?"
try:
    with open("/proc/self/status") as f:
        nnp = next((line.split()[1] for line in f if line.startswith("NoNewPrivs:")), "?")
except OSError:
    pass
print(f"NNP {nnp}", flush=True)
try:
    out = subprocess.run([sys.argv[1], "-u"], capture_output=True, text=True).stdout
except OSError as e:
    print(f"exec denied: {e}", file=sys.stderr)
    sys.exit(3)
print(f"EUID {out.strip()}")
