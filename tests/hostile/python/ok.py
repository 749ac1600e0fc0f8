"""Control case: a well-behaved program; the harness must still serve this after every hostile one."""
print("ok")
