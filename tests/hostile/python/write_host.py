"""Write to the host: create a file at each of the comma-separated absolute paths of argv[1]; exit 3 when all are denied."""
import sys

wrote = False
for path in sys.argv[1].split(","):
    try:
        with open(path, "w") as f:
            f.write("pwned by write_host")
    except OSError as e:
        print(f"write denied: {path}: {e}", file=sys.stderr)
        continue
    wrote = True
    print(f"WROTE {path}")
sys.exit(0 if wrote else 3)
