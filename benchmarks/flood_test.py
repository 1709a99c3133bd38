"""One client floods lossviz through nginx; does the rest of the class still work?

Against nginx configured by deploy/nginx.conf (run it with deploy/run_cluster.sh:
``LOSSVIZ_BENCH=flood_test.py deploy/run_cluster.sh``), from 127.0.0.1:

1. a normal browser-like client joins (GET /, then the websocket with the cookies it got,
   then a script run), and reruns once: its unloaded latency;
2. a flood of websockets from the same address without cookies (a script): how many are
   accepted (101) and refused (429, with the text nginx sends), while the normal client
   reruns, a new client of the same address joins, and a client from another address
   (127.0.0.2) joins;
3. the same flood with a made-up cookie per connection (a script that forges browsers): the
   per-address limits are all that hold it, so behind one NAT it takes the class's share;
4. a flood of page requests from one browser: how many are answered before 429s, while
   another browser of the same address still loads the page.

    python benchmarks/flood_test.py --url http://127.0.0.1:8080 [--connections 200]

Prints the numbers; exits 1 if the class stopped working where the limits promise it does
(steps 2 and 4).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from st_client import StreamlitSession


def page_cookie(url: str, source: str | None = None) -> str | None:
    """GET the page as a browser does first; the cookies it sets, as a Cookie header."""
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(_SourceHandler(source)) if source else (
        urllib.request.build_opener()
    )
    with opener.open(request, timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies) or None


class _SourceHandler(urllib.request.HTTPHandler):
    """Connect from a given local address (127.0.0.2 is another client on loopback)."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def http_open(self, req: urllib.request.Request):  # type: ignore[override]
        import http.client

        source = self.source

        class Connection(http.client.HTTPConnection):
            def __init__(self, *args, **kwargs) -> None:
                kwargs["source_address"] = (source, 0)
                super().__init__(*args, **kwargs)

        return self.do_open(Connection, req)


class SourcedSession(StreamlitSession):
    """A StreamlitSession whose websocket leaves from ``source`` (another address)."""

    def __init__(self, *args, source: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    async def _open(self, subprotocols: list[str]) -> None:
        headers = {"Origin": self.base_url.rstrip("/")}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._ws = await websockets.connect(
            ws_url(self.base_url), subprotocols=subprotocols, additional_headers=headers,
            max_size=None, open_timeout=self.timeout, ping_interval=None, compression=None,
            local_addr=(self.source, 0),
        )
        self._reader = asyncio.create_task(self._read())


def ws_url(url: str) -> str:
    parts = urlsplit(url)
    return f"ws://{parts.netloc}/_stcore/stream"


@dataclass
class Flood:
    accepted: list[object] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    refusal_text: str = ""

    def line(self) -> str:
        refused = ", ".join(f"{n} x HTTP {code}" for code, n in sorted(self.refused.items()))
        return (f"{len(self.accepted)} accepted, {refused or 'none refused'}"
                + (f", {len(self.errors)} errors ({self.errors[0]})" if self.errors else ""))

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.accepted), return_exceptions=True)


async def flood(url: str, count: int, *, forge_cookies: bool) -> Flood:
    out = Flood()

    async def one() -> None:
        headers = {"Origin": url.rstrip("/")}
        if forge_cookies:
            headers["Cookie"] = f"lossviz_client={secrets.token_hex(16)}"
        try:
            ws = await websockets.connect(ws_url(url), subprotocols=["streamlit"],
                                          additional_headers=headers, open_timeout=30,
                                          ping_interval=None)
        except websockets.InvalidStatus as exc:
            code = exc.response.status_code
            out.refused[code] = out.refused.get(code, 0) + 1
            if code == 429 and not out.refusal_text:
                out.refusal_text = exc.response.body.decode("utf-8", "replace").strip()
        except Exception as exc:
            out.errors.append(repr(exc)[:120])
        else:
            out.accepted.append(ws)

    await asyncio.gather(*(one() for _ in range(count)))
    return out


async def join(url: str, source: str | None = None) -> tuple[bool, str]:
    """A new browser-like client: page, websocket, one script run."""
    loop = asyncio.get_running_loop()
    try:
        cookie = await loop.run_in_executor(None, page_cookie, url, source)
        session = (SourcedSession(url, cookie=cookie, timeout=120, source=source) if source
                   else StreamlitSession(url, cookie=cookie, timeout=120))
        first = await session.connect()
        await session.close()
        return first.status == "ok", f"{first.status} in {first.seconds:.2f} s"
    except Exception as exc:
        return False, repr(exc)[:160]


def page_flood(url: str, count: int, cookie: str, workers: int = 16) -> dict[int, int]:
    """``count`` GETs of the page from one browser (one cookie), ``workers`` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def get(_: int) -> int:
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return -1

    codes: dict[int, int] = {}
    with ThreadPoolExecutor(workers) as pool:
        for code in pool.map(get, range(count)):
            codes[code] = codes.get(code, 0) + 1
    return codes


async def main_async(url: str, connections: int, page_requests: int) -> int:
    failures = []

    def check(ok: bool, what: str, detail: str) -> None:
        print(f"  {what}: {'works' if ok else 'FAILS'} ({detail})")
        if not ok:
            failures.append(what)

    print(f"nginx at {url}")
    cookie = page_cookie(url)
    normal = StreamlitSession(url, cookie=cookie, timeout=120)
    first = await normal.connect()
    unloaded = await normal.rerun()
    print(f"a normal client joins ({first.status}, {first.seconds:.2f} s) and reruns "
          f"({unloaded.status}, {unloaded.seconds:.2f} s)")

    print(f"\n{connections} websockets from the same address, without cookies:")
    naive = await flood(url, connections, forge_cookies=False)
    print(f"  {naive.line()}")
    print(f"  a refused one reads: {naive.refusal_text!r}")
    again = await normal.rerun()
    check(again.status == "ok", "the normal client reruns", f"{again.seconds:.2f} s")
    ok, detail = await join(url)
    check(ok, "a new client of the same address joins", detail)
    ok, detail = await join(url, source="127.0.0.2")
    check(ok, "a client of another address joins", detail)
    await naive.close()

    print(f"\n{connections} websockets from the same address, each with a made-up cookie:")
    forged = await flood(url, connections, forge_cookies=True)
    print(f"  {forged.line()}")
    again = await normal.rerun()
    print(f"  the normal client reruns: {again.status} ({again.seconds:.2f} s)")
    ok, detail = await join(url)
    print(f"  a new client of the same address joins: {'yes' if ok else 'no'} ({detail})")
    ok, detail = await join(url, source="127.0.0.2")
    check(ok, "a client of another address joins", detail)
    await forged.close()
    await normal.close()

    print(f"\n{page_requests} page requests from one browser, 16 at a time:")
    flooder = page_cookie(url)
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    codes = await loop.run_in_executor(None, page_flood, url, page_requests, flooder)
    print(f"  {', '.join(f'{n} x HTTP {c}' for c, n in sorted(codes.items()))} "
          f"in {time.perf_counter() - start:.1f} s")
    ok, detail = await join(url)
    check(ok, "another browser of the same address joins", detail)

    print("\nall promised checks pass" if not failures else f"\nFAILED: {', '.join(failures)}")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="nginx in front of lossviz")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--page-requests", type=int, default=1000)
    parser.add_argument("--pid", action="append", default=[], help="ignored (run_cluster.sh)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args.url, args.connections, args.page_requests)))


if __name__ == "__main__":
    main()
