"""Bad and hostile input over the wire (issue #3): one table, one row per kind of input, each
asserting the exact error frame, HTTP status or close code. After every row the same server still
serves a healthy client, and at the end every acknowledged message is in history.

ctest sets PARLEY_SERVER (test `server.bad_input`); without it every test here is skipped. The
server runs with short deadlines and a small rate limit so the hostile rows finish quickly.
"""
import asyncio
import socket
import subprocess
import time
from dataclasses import dataclass, field

import pytest

from server_harness import SERVER, Client, Server, mint, run, send_text

pytestmark = pytest.mark.skipif(not SERVER, reason="PARLEY_SERVER is not set (ctest's server.bad_input sets it)")
websockets = pytest.importorskip("websockets")

HTTP_TIMEOUT_MS = 600      # a request (or upgrade) must arrive within this
AUTH_TIMEOUT_MS = 1500     # connect → auth
HEARTBEAT_MS = 300         # × 2 missed → a silent session is closed after 600 ms
RATE, BURST, REFUSALS = 20, 40, 30
CLOSE_WITHIN_S = 5.0       # any deadline above, with a wide margin for a loaded machine
FLAGS = ["--http-request-timeout-ms", str(HTTP_TIMEOUT_MS), "--auth-timeout-ms", str(AUTH_TIMEOUT_MS),
         "--heartbeat-interval-ms", str(HEARTBEAT_MS), "--heartbeats-missed-max", "2",
         "--rate-frames-per-s", str(RATE), "--rate-frames-burst", str(BURST), "--rate-refusals-max", str(REFUSALS)]

MALLORY, VICTIM_A, VICTIM_B, ALICE, BOB = 100, 101, 102, 1, 2


@dataclass
class World:
    server: Server
    victim_conv: str = ""       # direct conversation of the two victims
    victim_group: str = ""
    acked: list = field(default_factory=list)  # (client uuid, msg id) of every healthy-client ack


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad-input")
    server = Server(tmp / "data", tmp / "server.log", extra=FLAGS).start()
    w = World(server)

    async def setup():
        a = await Client.login(server.port, VICTIM_A)
        b = await Client.login(server.port, VICTIM_B)
        ack = await send_text(a, "v-1", "victim secret pineapple", to=VICTIM_B)
        assert ack["op"] == "ack", ack
        w.victim_conv = ack["conv"]
        await a.send({"op": "group.create", "rid": "g", "name": "victims", "members": [str(VICTIM_B)]})
        w.victim_group = (await a.find(lambda f: f["op"] == "group"))["group"]
        await a.close()
        await b.close()
    run(setup())
    yield w
    server.kill()


# ---- what a row does and what it must observe ---------------------------------------------------

@dataclass
class Error:          # an error frame; the session stays open (a ping still gets its pong)
    code: str
    rid: str = None


@dataclass
class Closed:         # the server closes the WebSocket with this code and reason
    code: int
    reason: str


@dataclass
class Status:         # a plain HTTP answer
    code: int


@dataclass
class Cut:            # the server drops the TCP connection without an answer
    pass


async def frame_row(port, frames, expect, user=MALLORY, authenticate=True):
    c = await (Client.login(port, user) if authenticate else Client.open(port))
    try:
        for f in frames:
            await c.send(f)
    except websockets.ConnectionClosed:
        pass  # closed while sending (oversize message): the close code below tells why
    if isinstance(expect, Error):
        err = await c.find(lambda f: f["op"] == "error")
        assert (err["code"], err.get("rid")) == (expect.code, expect.rid), err
        # Still open: a request is still answered (history of a conversation that is not ours, or
        # before auth: not_authenticated).
        await c.send({"op": "history", "rid": "probe", "conv": "1"})
        probe = await c.find(lambda f: f.get("rid") == "probe")
        assert probe["op"] in ("history.page", "error"), probe
        await c.close()
        return err
    code, reason, seen = await c.closed(CLOSE_WITHIN_S)
    assert (code, reason) == (expect.code, expect.reason), seen[-3:]
    return seen


def ws_frames(*frames, authenticate=True):
    return lambda w, expect: run(frame_row(w.server.port, list(frames), expect, authenticate=authenticate))


def auth_with(token_of):
    return lambda w, expect: run(frame_row(w.server.port, [{"op": "auth", "token": token_of()}], expect,
                                           authenticate=False))


def forged_token():
    token = mint(MALLORY)
    return token[:-1] + ("0" if token[-1] != "0" else "1")


def expired_token():
    return mint(MALLORY, extra=["--now-ms", "1000", "--ttl-s", "1"])


def other_secret_token():
    return mint(VICTIM_A, secret="not-the-server-secret-0123")


def http_row(request):
    def row(w, expect):
        status = w.server.raw_http(request)
        assert Status(status) == expect
    return row


def slowloris(w, expect):
    """Half a request header, then nothing: cut after the request deadline."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", w.server.port), timeout=CLOSE_WITHIN_S) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert s.recv(4096) == b""  # EOF, not an answer and not our timeout
    assert time.monotonic() - started >= HTTP_TIMEOUT_MS / 1000 * 0.9
    assert expect == Cut()


def half_open(w, expect):
    """An authenticated client that goes silent (no frames, no close) is closed by the heartbeat deadline."""
    async def scenario():
        c = await Client.login(w.server.port, MALLORY)
        return await c.closed(CLOSE_WITHIN_S)
    code, reason, seen = run(scenario())
    assert (code, reason) == (expect.code, expect.reason)
    assert seen and seen[-1]["op"] == "error" and seen[-1]["code"] == "heartbeat_timeout"


def silent_before_auth(w, expect):
    async def scenario():
        c = await Client.open(w.server.port)
        return await c.closed(CLOSE_WITHIN_S)
    code, reason, seen = run(scenario())
    assert (code, reason) == (expect.code, expect.reason)
    assert seen[-1]["code"] == "not_authenticated"


def flood(w, expect):
    """Frames far over the rate limit: refused with rate_limited, then the session is closed."""
    async def scenario():
        c = await Client.login(w.server.port, MALLORY)
        try:
            for i in range(BURST + 3 * REFUSALS):
                await c.send({"op": "ping"})
        except websockets.ConnectionClosed:
            pass  # closed while we were still flooding
        return await c.closed(CLOSE_WITHIN_S)
    code, reason, seen = run(scenario())
    assert (code, reason) == (expect.code, expect.reason)
    limited = [f for f in seen if f["op"] == "error" and f["code"] == "rate_limited"]
    # At least REFUSALS refused in a row (a refilled token in between restarts the count).
    assert len(limited) >= REFUSALS and seen[-1]["code"] == "rate_limited", seen[-3:]
    assert sum(f["op"] == "pong" for f in seen) >= BURST - 1  # the burst was served (auth took a token)


def polite_burst(w, expect):
    """Over the burst once, then backing off: answered rate_limited, never closed, then served."""
    async def scenario():
        c = await Client.login(w.server.port, MALLORY)
        for i in range(BURST + 10):
            await c.send({"op": "history", "rid": f"h{i}", "conv": w.victim_conv})
        codes = [(await c.find(lambda f: f["op"] == "error"))["code"] for _ in range(BURST + 10)]
        await asyncio.sleep(HEARTBEAT_MS / 1000)  # refills a few tokens, within the heartbeat deadline
        await c.send({"op": "ping"})
        await c.expect("pong")
        await c.close()
        return codes
    codes = run(scenario())
    assert set(codes) == {"not_member", "rate_limited"} and codes.count("rate_limited") >= 5
    assert expect == Error("rate_limited")


def search_other(w, expect):
    """Search over all of one's conversations never returns another user's messages."""
    async def scenario():
        c = await Client.login(w.server.port, MALLORY)
        await c.send({"op": "search", "rid": "s-all", "q": "pineapple"})
        result = await c.find(lambda f: f["op"] in ("search.result", "error"))
        await c.close()
        return result
    result = run(scenario())
    assert result["op"] == "search.result" and result["hits"] == []
    frame_row_result = run(frame_row(w.server.port, [{"op": "search", "rid": "s1", "q": "pineapple",
                                                      "conv": w.victim_conv}], expect))
    assert frame_row_result["message"]


def spoof_sender(w, expect):
    """A `from` field in a send is ignored: the message carries the authenticated sender."""
    async def scenario():
        m = await Client.login(w.server.port, MALLORY)
        v = await Client.login(w.server.port, VICTIM_A, device=7)
        await m.send({"op": "send", "rid": "sp", "id": "spoof-1", "from": str(VICTIM_B), "device": "9",
                      "to": str(VICTIM_A), "body": {"type": "text", "text": "trust me"}})
        ack = await m.find(lambda f: f["op"] in ("ack", "error"))
        msg = await v.find(lambda f: f["op"] == "msg" and f["id"] == "spoof-1")
        await m.close()
        await v.close()
        return ack, msg
    ack, msg = run(scenario())
    assert ack["op"] == "ack"
    assert (msg["from"], msg["device"]) == (str(MALLORY), "1")
    assert expect is None


# name → (what to do, what must be observed)
ROWS = {
    "invalid_json": (ws_frames("{not json"), Error("bad_json")),
    "binary_garbage": (ws_frames("\u00ff\u0000{{"), Error("bad_json")),
    "not_an_object": (ws_frames("[1,2]"), Error("not_an_object")),
    "unknown_op": (ws_frames({"op": "explode", "rid": "x1"}), Error("unknown_op", "x1")),
    "wrong_type": (ws_frames({"op": "history", "rid": "w1", "conv": True}), Error("wrong_type", "w1")),
    "missing_field": (ws_frames({"op": "history", "rid": "m1"}), Error("missing_field", "m1")),
    "too_deep": (ws_frames('{"op":"ping","x":' + "[" * 40 + "]" * 40 + "}"), Error("too_deep")),
    "oversize_frame": (ws_frames('{"op":"ping","pad":"' + "x" * 70_000 + '"}'), Error("frame_too_large")),
    "oversize_message": (ws_frames("x" * ((1 << 20) + 1)), Closed(1009, "")),
    "op_before_auth": (ws_frames({"op": "history", "rid": "b1", "conv": "1"}, authenticate=False),
                       Error("not_authenticated", "b1")),
    "auth_twice": (ws_frames({"op": "auth", "token": "again"}), Error("already_authenticated")),
    "missing_token": (ws_frames({"op": "auth"}, authenticate=False), Error("missing_field")),
    "forged_token": (auth_with(forged_token), Closed(1008, "auth_failed")),
    "other_secret_token": (auth_with(other_secret_token), Closed(1008, "auth_failed")),
    "expired_token": (auth_with(expired_token), Closed(1008, "token_expired")),
    "garbage_token": (auth_with(lambda: "v1.not.a.token"), Closed(1008, "auth_failed")),
    "send_to_foreign_group": (lambda w, e: ws_frames({"op": "send", "rid": "fg", "id": "fg-1", "group": w.victim_group,
                                                      "body": {"type": "text", "text": "hi"}})(w, e),
                              Error("not_member", "fg")),
    "read_foreign_history": (lambda w, e: ws_frames({"op": "history", "rid": "fh", "conv": w.victim_conv})(w, e),
                             Error("not_member", "fh")),
    "search_foreign_conversation": (search_other, Error("not_member", "s1")),
    "spoof_sender": (spoof_sender, None),
    "flood_over_rate_limit": (flood, Closed(1008, "rate_limited")),
    "burst_then_back_off": (polite_burst, Error("rate_limited")),
    "http_oversize_headers": (http_row(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"),
                              Status(431)),
    "http_oversize_body": (http_row(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"a" * 5000),
                           Status(413)),
    "http_garbage": (http_row(b"\x16\x03\x01 not http at all\r\n\r\n"), Status(400)),
    "http_unknown_path": (http_row(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), Status(404)),
    "slowloris": (slowloris, Cut()),
    "silent_before_auth": (silent_before_auth, Closed(1008, "not_authenticated")),
    "half_open_after_auth": (half_open, Closed(1000, "heartbeat_timeout")),
}


def healthy_round_trip(w, tag):
    """A fresh pair of clients: alice's message is acknowledged and delivered to bob."""
    async def scenario():
        alice = await Client.login(w.server.port, ALICE)
        bob = await Client.login(w.server.port, BOB)
        ack = await send_text(alice, "ok-" + tag, "still fine after " + tag, to=BOB)
        assert ack["op"] == "ack", ack
        msg = await bob.find(lambda f: f["op"] == "msg" and f["id"] == "ok-" + tag)
        assert msg["msg"] == ack["msg"]
        w.acked.append(("ok-" + tag, ack["msg"], ack["conv"]))
        await alice.close()
        await bob.close()
    run(scenario())


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_input_row(world, name):
    action, expect = ROWS[name]
    action(world, expect)
    assert world.server.alive(), world.server.log()
    assert world.server.raw_http(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == 200
    healthy_round_trip(world, name)


def test_nothing_acknowledged_was_lost(world):
    """Runs after the table (same module server): every acknowledged message is in history."""
    for name in ROWS:  # also when this test is selected alone
        if not any(a[0] == "ok-" + name for a in world.acked):
            healthy_round_trip(world, name)

    async def scenario():
        alice = await Client.login(world.server.port, ALICE)
        conv = world.acked[0][2]
        await alice.send({"op": "history", "rid": "all", "conv": conv, "limit": 200})
        page = await alice.find(lambda f: f["op"] == "history.page")
        await alice.close()
        return {m["msg"] for m in page["messages"]}
    stored = run(scenario())
    assert {a[1] for a in world.acked} <= stored


def test_bad_configuration_is_refused_naming_the_key(tmp_path):
    cases = [(["--port", "70000"], "--port"), (["--no-such-key", "1"], "--no-such-key"),
             (["--rate-frames-burst", "zero"], "--rate-frames-burst")]
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("port: 1\nheartbeat-interval: 5\n")
    cases.append((["--config", str(bad_file)], "heartbeat-interval"))
    for args, key in cases:
        out = subprocess.run([SERVER, "serve", "--token-secret", "0123456789abcdef", *args],
                             capture_output=True, timeout=10)
        assert out.returncode == 2, (args, out)
        assert key in out.stderr.decode(), out.stderr


def test_example_configuration_starts_a_server(tmp_path):
    import pathlib
    example = pathlib.Path(__file__).resolve().parents[2] / "config" / "parley-server.example.yaml"
    server = Server(tmp_path / "data", tmp_path / "server.log", extra=["--config", str(example)])
    server.argv = lambda: [SERVER, "serve", "--config", str(example), "--port", "0",
                           "--data-dir", str(tmp_path / "data"), "--token-secret", "0123456789abcdef-example"]
    server.start()
    try:
        assert server.raw_http(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n") == 200
    finally:
        server.kill()


# ---- slow consumers: reads pause at the mark, resume when drained, close after the timeout ------

PAUSE_BYTES = 64 * 1024
SLOW_TIMEOUT_MS = 2000
BIG_TEXT = "y" * 16_000
PAGES = 40                 # history pages of ~800 KB each: far more than the socket buffers hold
PAGES_CAUGHT_UP = 10       # a backlog a reader drains well within SLOW_TIMEOUT_MS


@pytest.fixture
def slow_server(tmp_path):
    server = Server(tmp_path / "data", tmp_path / "server.log",
                    extra=["--ws-write-queue-pause-bytes", str(PAUSE_BYTES), "--ws-write-queue-bytes-max", str(256 << 20),
                           "--ws-slow-consumer-timeout-ms", str(SLOW_TIMEOUT_MS), "--rate-frames-per-s", "0"]).start()
    yield server
    server.kill()


async def big_conversation(port):
    alice = await Client.login(port, ALICE)
    for i in range(50):
        ack = await send_text(alice, f"big-{i}", BIG_TEXT, to=BOB)
        assert ack["op"] == "ack", ack
    await alice.close()
    return ack["conv"]


async def unread_pages(port, conv, pages=PAGES):
    """A client that asks for history pages and reads nothing (its library buffers one frame)."""
    c = await Client.open(port, max_queue=1)
    await c.send({"op": "auth", "token": mint(ALICE)})
    await asyncio.sleep(0.2)  # auth.ok sits in the library's one-frame buffer
    for i in range(pages):
        await c.send({"op": "history", "rid": f"p{i}", "conv": conv, "limit": 200})
    return c


def test_slow_consumer_is_paused_then_closed_with_a_reason(slow_server):
    async def scenario():
        conv = await big_conversation(slow_server.port)
        c = await unread_pages(slow_server.port, conv)
        deadline = time.monotonic() + CLOSE_WITHIN_S
        while slow_server.metric("parley_reads_paused_total") < 1:
            assert time.monotonic() < deadline, "reads were never paused"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # the socket buffers fill up: from now on the queue cannot drain
        # Sent while paused: the read already in flight may take the first; the second is never read.
        for rid in ("late-1", "late-2"):
            await c.send({"op": "history", "rid": rid, "conv": conv, "limit": 1})
        while slow_server.metric("parley_closed_write_queue_total") < 1:  # still paused at the timeout
            assert time.monotonic() < deadline + SLOW_TIMEOUT_MS / 1000, "the slow consumer was not closed"
            await asyncio.sleep(0.1)
        code, reason, seen = await c.closed(CLOSE_WITHIN_S * 2)  # reading now drains the queue
        assert (code, reason) == (1013, "slow_consumer")
        assert not [f for f in seen if f.get("rid") == "late-2"], "a frame sent while paused was read"
        healthy = await Client.login(slow_server.port, BOB)
        await healthy.send({"op": "ping"})
        await healthy.find(lambda f: f["op"] == "pong")
        await healthy.close()
    run(scenario())


def test_a_consumer_that_catches_up_is_resumed_not_closed(slow_server):
    async def scenario():
        conv = await big_conversation(slow_server.port)
        c = await unread_pages(slow_server.port, conv, PAGES_CAUGHT_UP)
        deadline = time.monotonic() + CLOSE_WITHIN_S
        while slow_server.metric("parley_reads_paused_total") < 1:
            assert time.monotonic() < deadline, "reads were never paused"
            await asyncio.sleep(0.02)
        await c.send({"op": "ping"})  # read once the queue has drained
        pages, pong = set(), False
        while len(pages) < PAGES_CAUGHT_UP or not pong:  # reading in time: every request is answered
            frame = await c.recv()
            pages.add(frame["rid"]) if frame["op"] == "history.page" else None
            pong = pong or frame["op"] == "pong"  # may overtake pages: they wait for the store
        assert slow_server.metric("parley_closed_write_queue_total") == 0
        await c.close()
    run(scenario())


# ---- wss:// with a self-signed certificate made here -------------------------------------------

@pytest.fixture
def tls_server(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server = Server(tmp_path / "data", tmp_path / "server.log",
                    extra=["--tls-cert", str(cert), "--tls-key", str(key), "--http-request-timeout-ms",
                           str(HTTP_TIMEOUT_MS)]).start()
    yield server, cert
    server.kill()


def test_wss_serves_chat_and_https_serves_health(tls_server):
    import ssl
    import urllib.request
    server, cert = tls_server
    ctx = ssl.create_default_context(cafile=str(cert))

    async def scenario():
        async def login(user):
            ws = await websockets.connect(f"wss://127.0.0.1:{server.port}/", ssl=ctx, open_timeout=5,
                                          ping_interval=None, close_timeout=1)
            c = Client(ws)
            await c.send({"op": "auth", "token": mint(user)})
            await c.expect("auth.ok")
            return c
        alice, bob = await login(ALICE), await login(BOB)
        ack = await send_text(alice, "tls-1", "over tls", to=BOB)
        assert ack["op"] == "ack", ack
        msg = await bob.find(lambda f: f["op"] == "msg")
        assert (msg["msg"], msg["body"]["text"]) == (ack["msg"], "over tls")
        await alice.close()
        await bob.close()
    run(scenario())
    with urllib.request.urlopen(f"https://127.0.0.1:{server.port}/healthz", context=ctx, timeout=5) as r:
        assert r.status == 200
    # Plain HTTP on the TLS port is not served, and a TLS client that never finishes its
    # handshake is cut at the request deadline.
    assert server.raw_http(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") is None
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=CLOSE_WITHIN_S) as s:
        s.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
        assert s.recv(4096) == b""
    assert time.monotonic() - started >= HTTP_TIMEOUT_MS / 1000 * 0.9
    assert server.alive()


def test_tls_needs_both_cert_and_key(tmp_path):
    out = subprocess.run([SERVER, "serve", "--token-secret", "0123456789abcdef", "--tls-cert", str(tmp_path / "c.pem")],
                         capture_output=True, timeout=10)
    assert out.returncode == 2 and b"tls-key" in out.stderr, out
    out = subprocess.run([SERVER, "serve", "--token-secret", "0123456789abcdef", "--port", "0", "--data-dir",
                          str(tmp_path / "d"), "--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")],
                         capture_output=True, timeout=20)
    assert out.returncode == 1 and b"tls_setup_failed" in out.stderr, out
