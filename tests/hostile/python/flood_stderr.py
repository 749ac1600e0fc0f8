"""Output flood on stderr."""
import sys

line = "e" * 65535 + "\n"
while True:
    sys.stderr.write(line)
