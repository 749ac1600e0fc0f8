"""Write outside the workspace: overwrite a host file (argv[1])."""
import sys

try:
    with open(sys.argv[1], "w") as f:
        f.write("pwned by write_outside")
except OSError as e:
    sys.exit(f"write denied: {e}")
print("WROTE")
