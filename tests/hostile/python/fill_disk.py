"""Fill the disk: append 1 MiB blocks to one file until something stops us."""
import sys

block = b"\0" * (1 << 20)
with open("fill.bin", "wb") as f:
    while True:
        try:
            f.write(block)
            f.flush()
        except OSError as e:
            sys.exit(f"write failed: {e}")
