"""Task generation: injected bugs that the repository's own tests catch become SWE-format tasks."""
