import socket
socket.create_connection(("1.1.1.1", 80), timeout=3).sendall(b"GET / HTTP/1.0\r\n\r\n")
