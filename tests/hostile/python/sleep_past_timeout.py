"""Sleep far past any timeout (no CPU used: only a wall-clock limit catches it)."""
import time

time.sleep(3600)
