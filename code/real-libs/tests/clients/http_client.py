"""An HTTP/1.1 client from Python's standard library, for the server's tests.

usage: http_client.py HOST:PORT keep-alive N
       http_client.py HOST:PORT parallel THREADS N

Each request is a GET (the body must be the path) or a POST with a random
body (it must come back whole); every status and body is checked. Prints
"ok <requests> <connections>" and exits 0, or exits 1 with the first
difference.
"""

import http.client
import random
import sys
import threading


def client(addr, n, seed, results):
    host, port = addr.rsplit(":", 1)
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    sockets = set()
    for i in range(n):
        if i % 2 == 0:
            path, body = "/py/%d/%d" % (seed, i), None
            expected = path.encode()
            conn.request("GET", path)
        else:
            path = "/py/post"
            body = rng.randbytes(rng.randrange(1, 64 * 1024))
            expected = body
            conn.request("POST", path, body=body)
        sockets.add(id(conn.sock))
        response = conn.getresponse()
        got = response.read()
        if response.status != 200 or got != expected:
            results.append("request %d of client %d: status %d, %d bytes, expected 200 and %d bytes"
                           % (i, seed, response.status, len(got), len(expected)))
            return
    conn.close()
    if len(sockets) != 1:
        results.append("client %d used %d connections, not one kept alive" % (seed, len(sockets)))
        return
    results.append(None)


def main():
    addr, mode, *numbers = sys.argv[1:]
    if mode == "keep-alive":
        threads, n = 1, int(numbers[0])
    elif mode == "parallel":
        threads, n = int(numbers[0]), int(numbers[1])
    else:
        sys.exit("unknown mode " + mode)
    results = []
    workers = [threading.Thread(target=client, args=(addr, n, seed, results)) for seed in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    failures = [r for r in results if r is not None]
    if len(results) != threads or failures:
        print("\n".join(failures) or "a client thread died (see stderr)", file=sys.stderr)
        sys.exit(1)
    print("ok %d %d" % (threads * n, threads))


main()
