"""Memory bomb: keep allocating 16 MiB blocks, every page written (untouched pages cost nothing)."""
blocks = []
while True:
    blocks.append(b"\1" * (16 << 20))
