"""Write to the host: create a file at each of the comma-separated paths the test puts in; fail with what was written."""
report = []
for path in "TARGETS".split(","):
    try:
        with open(path, "w") as f:
            f.write("pwned by write_host")
        report.append(f"WROTE {path}")
    except OSError as e:
        report.append(f"write denied: {path}: {e}")
raise SystemExit("; ".join(report))
