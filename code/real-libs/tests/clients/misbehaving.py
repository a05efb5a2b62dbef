"""Clients that misbehave, from Python's standard library.

usage: misbehaving.py HOST:PORT MODE

  half         sends half a request head, then waits for the server to close
  slow         sends a request head one byte every 50 ms, never ending it,
               and waits for the server to close
  reset-after  makes one request, reads the response, then resets the
               connection (SO_LINGER 0: close sends RST)
  reset-mid    sends half a request head, then resets the connection
  lines        sends 1000 lines in one write and checks the 1000 replies

Prints what it saw on one line and exits 0; exits 1 on anything unexpected.
Gives up after 10 s.
"""

import select
import socket
import struct
import sys
import time


def connect(addr):
    host, port = addr.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def wait_for_close(sock, started, trickle=None):
    """Waits until the server closes; sends a byte of `trickle` every 50 ms meanwhile."""
    sent = 0
    while time.monotonic() - started < 10:
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                data = b""
            if data:
                sys.exit("the server answered %r instead of closing" % data[:100])
            return "closed after %.3f s, %d bytes trickled" % (time.monotonic() - started, sent)
        if trickle is not None:
            try:
                sock.send(trickle[sent % len(trickle):][:1])
            except (BrokenPipeError, ConnectionResetError):
                return "closed after %.3f s, %d bytes trickled" % (time.monotonic() - started, sent)
            sent += 1
    sys.exit("the server did not close the connection within 10 s")


def reset(sock):
    # struct linger: two ints on Unix, two u_shorts on Windows.
    layout = "HH" if sys.platform == "win32" else "ii"
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(layout, 1, 0))
    sock.close()


def main():
    addr, mode = sys.argv[1:]
    sock = connect(addr)
    started = time.monotonic()
    if mode == "half":
        sock.sendall(b"GET /half HTTP/1.1\r\nHost: test\r\n")
        print(wait_for_close(sock, started))
    elif mode == "slow":
        sock.sendall(b"GET /slow HTTP/1.1\r\n")
        print(wait_for_close(sock, started, trickle=b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"))
    elif mode == "reset-after":
        sock.sendall(b"GET /reset HTTP/1.1\r\nHost: test\r\n\r\n")
        reply = b""
        while not reply.endswith(b"/reset"):
            data = sock.recv(4096)
            if not data:
                sys.exit("the server closed before its response was whole: %r" % reply)
            reply += data
        if not reply.startswith(b"HTTP/1.1 200 OK\r\n"):
            sys.exit("unexpected response %r" % reply)
        reset(sock)
        print("reset after the response")
    elif mode == "reset-mid":
        sock.sendall(b"POST /reset HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly part")
        time.sleep(0.1)
        reset(sock)
        print("reset in the middle of a request")
    elif mode == "lines":
        lines = ["line %d of the batch, with some words" % i for i in range(1000)]
        sock.sendall("".join(line + "\n" for line in lines).encode())
        expected = "".join(line.upper() + "\n" for line in lines).encode()
        got = b""
        while len(got) < len(expected):
            data = sock.recv(65536)
            if not data:
                break
            got += data
        if got != expected:
            sys.exit("replies differ: got %d bytes, expected %d" % (len(got), len(expected)))
        sock.shutdown(socket.SHUT_WR)
        if sock.recv(1) != b"":
            sys.exit("the server sent more than the replies")
        print("ok 1000 lines")
    else:
        sys.exit("unknown mode " + mode)


main()
