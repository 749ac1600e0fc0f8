"""Read the host: dump the environment, list HOME, and read a host file (argv[1]) outside the workspace."""
import os
import sys

for key, value in sorted(os.environ.items()):
    print(f"ENV {key}={value}")
home = os.path.expanduser("~")
print("HOME", home, sorted(os.listdir(home)) if os.path.isdir(home) else "missing")
try:
    with open(sys.argv[1]) as f:
        print("CANARY:" + f.read())
except OSError as e:
    print(f"canary unreadable: {e}")
