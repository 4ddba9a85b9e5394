"""The browser suite's own server: a reset connection must not leave a file open.

Chromium resets the favicon's connection when a page navigates away; werkzeug then skips
closing the response, and the file's ResourceWarning fails whichever test is running
when it is collected.
"""

import gc
import socket
import struct
import sys
import time
from urllib.parse import urlsplit


def test_a_connection_reset_mid_file_closes_the_file(base_url):
    address = urlsplit(base_url)
    unraisable = []
    previous = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        for _ in range(20):
            client = socket.create_connection((address.hostname, address.port))
            client.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: e2e\r\n\r\n")
            time.sleep(0.002)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        time.sleep(0.3)
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [repr(u.exc_value) for u in unraisable] == []
