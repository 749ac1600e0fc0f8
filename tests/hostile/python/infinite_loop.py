"""Infinite loop: burn CPU until the wall-clock timeout."""
while True:
    pass
