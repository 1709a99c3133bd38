"""Kill the process a browser is pinned to: nginx serves it from another one.

    LOSSVIZ_BENCH=failover_check.py deploy/run_cluster.sh

(``run_cluster.sh`` starts two lossviz processes and nginx with ``deploy/nginx.conf``, then
runs this with ``--url`` and one ``--pid`` per process.) A first request pins the browser
to a process (the ``lossviz_route`` cookie); that process is killed; the same browser's
next page request and websocket handshake must be answered by the other process, which
pins it again. Prints what happened; exits 1 if a step failed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

WS_HEADERS = {
    "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "streamlit",
}


def request(url: str, path: str, cookie: str = "", headers: dict | None = None) -> tuple:
    """(status, X-Upstream, the lossviz_route cookie set) of one request."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    sent = {"Host": parts.netloc, "Origin": url, **(headers or {})}
    if cookie:
        sent["Cookie"] = f"lossviz_route={cookie}"
    conn.request("GET", path, headers=sent)
    response = conn.getresponse()
    route = ""
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("lossviz_route="):
            route = value.split(";", 1)[0].split("=", 1)[1]
    status, upstream = response.status, response.getheader("X-Upstream", "")
    conn.close()
    return status, upstream, route


def port_of(pid: int) -> str:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return args[args.index(b"--server.port") + 1].decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="nginx in front of lossviz")
    parser.add_argument("--pid", action="append", type=int, default=[],
                        help="a lossviz process (run_cluster.sh passes each)")
    args = parser.parse_args()
    if len(args.pid) < 2:
        print("needs two lossviz processes (--pid twice)")
        return 1
    ok = True

    status, upstream, route = request(args.url, "/")
    print(f"first page: HTTP {status} from {upstream}, pinned to {route or '(no cookie)'}")
    ok &= status == 200 and bool(route)
    ports = {port_of(pid): pid for pid in args.pid}
    victim = ports[route.rsplit(":", 1)[1]]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.5)
    print(f"killed the pinned process (pid {victim}, {route})")

    status, upstream, again = request(args.url, "/", cookie=route)
    print(f"the same browser's next page: HTTP {status} from {upstream}, pinned again to "
          f"{again or '(no new cookie)'}")
    answered = upstream.rsplit(" ", 1)[-1]  # nginx lists each process it tried: "a : b"
    ok &= status == 200 and answered != route and again == answered
    status, upstream, _ = request(args.url, "/_stcore/stream", cookie=route,
                                  headers=WS_HEADERS)
    print(f"its websocket handshake: HTTP {status} from {upstream}")
    ok &= status == 101
    status, upstream, _ = request(args.url, "/_stcore/stream", cookie=again,
                                  headers=WS_HEADERS)
    print(f"with the new pin: HTTP {status} from {upstream}")
    ok &= status == 101 and upstream == again
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
