"""Network: open a TCP connection to a public address; exit 3 with the error when denied."""
import socket
import sys

try:
    socket.create_connection(("1.1.1.1", 80), timeout=3).close()
except OSError as e:
    print(f"network denied: {e}", file=sys.stderr)
    sys.exit(3)
print("CONNECTED")
