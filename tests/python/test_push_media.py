"""Push delivery and media by reference through the real parley-server binary over loopback.

Push: a webhook receiver (http.server on a loopback port, in a thread) stands in for APNs/FCM; an
offline device's messages reach it as JSON, retried with backoff, collapsed per conversation,
never with the ciphertext of an encrypted chat, not at all for a muted chat, and a 410 removes the
token. A queued notification survives kill -9. Media: upload, download, dedup, limits, auth and
malformed names. ctest's `server.push_media` sets PARLEY_SERVER; without it every test is skipped.
Every wait is bounded by a deadline and every server process is killed at the end of its test.
"""
import asyncio
import hashlib
import http.client
import http.server
import json
import os
import signal
import socket
import threading
import time

import pytest

from server_harness import FRAME_TIMEOUT_S, SERVER, Client, Server, mint, run

pytestmark = pytest.mark.skipif(not SERVER, reason="PARLEY_SERVER is not set (ctest's server.push_media sets it)")
websockets = pytest.importorskip("websockets")

POST_TIMEOUT_S = 10.0      # a webhook POST we expect
QUIET_S = 1.5              # "no POST arrives": well over the push path's latency on loopback
MEDIA_BYTES_MAX = 65536


# ---- the webhook receiver -----------------------------------------------------------------------

class Webhook:
    """Records every POST (arrival time, JSON) and answers from a script of statuses, then 200."""

    def __init__(self, statuses=()):
        self.posts, self.statuses = [], list(statuses)
        self.cond = threading.Condition()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with hook.cond:
                    status = hook.statuses.pop(0) if hook.statuses else 200
                    hook.posts.append((time.monotonic(), self.path, self.headers.get("Content-Type"), body))
                    hook.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/push/hook"

    def wait_posts(self, n, timeout=POST_TIMEOUT_S):
        """The JSON bodies of the first n POSTs, once they arrived."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.posts) < n:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"expected {n} webhook POSTs, got {len(self.posts)}"
                self.cond.wait(remaining)
            return [json.loads(p[3]) for p in self.posts[:n]]

    def count(self):
        with self.cond:
            return len(self.posts)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the server and its clients -----------------------------------------------------------------

class PushServer(Server):
    """The harness's server, started with extra flags, plus waits on /metrics counters."""

    def __init__(self, data_dir, log_path, *extra):
        super().__init__(data_dir, log_path, extra=[str(e) for e in extra])

    def wait_metric(self, name, at_least, timeout=POST_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while self.metric(name) < at_least:
            assert time.monotonic() < deadline, f"{name} stayed below {at_least}"
            time.sleep(0.05)

    def wait_metric_is(self, name, value, timeout=POST_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while self.metric(name) != value:
            assert time.monotonic() < deadline, f"{name} is {self.metric(name)}, not {value}"
            time.sleep(0.05)


async def send_to(client, cid, to, body):
    await client.send({"op": "send", "rid": "r-" + cid, "id": cid, "to": str(to), "body": body})
    ack = await client.find(lambda f: f["op"] in ("ack", "error"))
    assert ack["op"] == "ack", ack
    return ack


def text(t):
    return {"type": "text", "text": t}


async def register_and_leave(port, user, token):
    """user's device 1 registers a push token and goes offline."""
    c = await Client.login(port, user)
    await c.send({"op": "push.register", "token": token})
    await c.send({"op": "ping"})
    await c.find(lambda f: f["op"] == "pong")
    await asyncio.sleep(0.2)  # push.register has no reply: let the policy see it before we leave
    await c.close()
    await asyncio.sleep(0.2)


@pytest.fixture
def hook():
    h = Webhook()
    yield h
    h.close()


def start(tmp_path, *extra, name="data"):
    return PushServer(tmp_path / name, tmp_path / f"{name}.log", "--push-collapse-window-ms", "0", *extra).start()


@pytest.fixture
def push_server(tmp_path, hook):
    s = start(tmp_path, "--push-webhook", hook.url, "--push-backoff-base-ms", "300", "--push-backoff-max-ms", "600")
    yield s
    s.kill()


# ---- push ---------------------------------------------------------------------------------------

def test_offline_device_gets_a_webhook_post_with_the_documented_json(push_server, hook):
    async def scenario():
        await register_and_leave(push_server.port, 2, "tok-bob")
        alice = await Client.login(push_server.port, 1)
        ack = await send_to(alice, "p-1", 2, text("hello bob"))
        [post] = hook.wait_posts(1)
        assert post == {"token": "tok-bob", "user": "2", "device": "1", "conv": ack["conv"],
                        "collapse_key": "conv:" + ack["conv"], "title": "New message", "body": "hello bob",
                        "count": 1, "attempt": 1}
        assert hook.posts[0][1] == "/push/hook" and hook.posts[0][2] == "application/json"
        push_server.wait_metric("parley_push_webhook_sent_total", 1)
        push_server.wait_metric_is("parley_push_queue_depth", 0)
    run(scenario())


def test_encrypted_chat_gets_generic_text_never_the_ciphertext(push_server, hook):
    async def scenario():
        await register_and_leave(push_server.port, 2, "tok-bob")
        alice = await Client.login(push_server.port, 1)
        await send_to(alice, "e-1", 2, {"type": "encrypted", "data": "3q2+7w=="})
        [post] = hook.wait_posts(1)
        assert post["body"] == "New message"
        assert b"3q2+7w==" not in hook.posts[0][3]
    run(scenario())


def test_a_500_is_retried_with_backoff_then_succeeds(tmp_path):
    h = Webhook([500, 500])
    s = start(tmp_path, "--push-webhook", h.url, "--push-backoff-base-ms", "400", "--push-backoff-max-ms", "2000")
    try:
        async def scenario():
            await register_and_leave(s.port, 2, "tok-bob")
            alice = await Client.login(s.port, 1)
            await send_to(alice, "r-1", 2, text("try again"))
            posts = h.wait_posts(3)
            assert [p["attempt"] for p in posts] == [1, 2, 3]
            assert all(p["body"] == "try again" for p in posts)
            times = [p[0] for p in h.posts[:3]]
            # Delays are drawn from [d/2, d] with d = 400 ms, then 800 ms.
            assert times[1] - times[0] >= 0.2 - 0.02
            assert times[2] - times[1] >= 0.4 - 0.02
            s.wait_metric("parley_push_webhook_sent_total", 1)
            assert s.metric("parley_push_webhook_retries_total") == 2
            await asyncio.sleep(QUIET_S)
            assert h.count() == 3, "nothing more after the success"
        run(scenario())
    finally:
        s.kill()
        h.close()


def test_a_newer_notification_replaces_the_queued_one_of_the_same_conversation(tmp_path):
    h = Webhook([500])
    s = start(tmp_path, "--push-webhook", h.url, "--push-backoff-base-ms", "3000", "--push-backoff-max-ms", "3000")
    try:
        async def scenario():
            await register_and_leave(s.port, 2, "tok-bob")
            alice = await Client.login(s.port, 1)
            await send_to(alice, "c-1", 2, text("one"))
            h.wait_posts(1)  # answered 500: queued again for 1.5 .. 3 s
            await send_to(alice, "c-2", 2, text("two"))
            await send_to(alice, "c-3", 2, text("three"))
            s.wait_metric("parley_push_queue_collapsed_total", 2)
            posts = h.wait_posts(2)
            assert posts[1]["count"] == 3 and posts[1]["body"] == "3 new messages"
            await asyncio.sleep(QUIET_S)
            assert h.count() == 2, "the three messages made one retried notification"
        run(scenario())
    finally:
        s.kill()
        h.close()


def test_410_removes_the_token_and_nothing_is_posted_after(tmp_path):
    h = Webhook([410])
    s = start(tmp_path, "--push-webhook", h.url)
    try:
        async def scenario():
            await register_and_leave(s.port, 2, "tok-gone")
            alice = await Client.login(s.port, 1)
            await send_to(alice, "g-1", 2, text("are you there"))
            h.wait_posts(1)
            s.wait_metric("parley_push_tokens_removed_total", 1)
            await asyncio.sleep(0.3)  # the PushTokenGone reaches the policy
            await send_to(alice, "g-2", 2, text("hello?"))
            await asyncio.sleep(QUIET_S)
            assert h.count() == 1
        run(scenario())
    finally:
        s.kill()
        h.close()


def test_muted_chat_gets_nothing(push_server, hook):
    async def scenario():
        bob = await Client.login(push_server.port, 2)
        alice = await Client.login(push_server.port, 1)
        muted = await send_to(alice, "m-1", 2, text("before mute"))
        await bob.find(lambda f: f["op"] == "msg")
        await bob.send({"op": "mute", "conv": muted["conv"], "until": "18446744073709551615"})
        await bob.close()
        await register_and_leave(push_server.port, 2, "tok-bob")
        await send_to(alice, "m-2", 2, text("muted chat"))
        carol = await Client.login(push_server.port, 3)
        await send_to(carol, "m-3", 2, text("not muted"))  # the control: the pipeline works
        [post] = hook.wait_posts(1)
        assert post["body"] == "not muted"
        await asyncio.sleep(QUIET_S)
        assert hook.count() == 1
        assert push_server.metric("parley_push_muted_total") == 1
    run(scenario())


def test_do_not_disturb_hours_hold_notifications_back(push_server, hook):
    async def scenario():
        now_minute = int(time.time() // 60) % 1440
        quiet = await Client.login(push_server.port, 2)
        await quiet.send({"op": "dnd", "start": now_minute, "end": (now_minute + 10) % 1440, "utc_offset": 0})
        await quiet.close()
        await register_and_leave(push_server.port, 2, "tok-quiet")
        await register_and_leave(push_server.port, 4, "tok-awake")
        alice = await Client.login(push_server.port, 1)
        await send_to(alice, "d-1", 2, text("while asleep"))
        await send_to(alice, "d-2", 4, text("while awake"))  # the control: the pipeline works
        [post] = hook.wait_posts(1)
        assert post["token"] == "tok-awake"
        await asyncio.sleep(QUIET_S)
        assert hook.count() == 1
        assert push_server.metric("parley_push_deferred_dnd_total") == 1
    run(scenario())


def test_a_queued_notification_survives_kill_9_and_restart(tmp_path, hook):
    dead = f"http://127.0.0.1:{free_port()}/nobody"  # connection refused: stays queued
    s = start(tmp_path, "--push-webhook", dead, "--push-backoff-base-ms", "60000", "--push-backoff-max-ms", "60000")
    try:
        async def before():
            await register_and_leave(s.port, 2, "tok-bob")
            alice = await Client.login(s.port, 1)
            await send_to(alice, "k-1", 2, text("after the crash"))
            s.wait_metric("parley_push_webhook_retries_total", 1)  # written, tried, queued again
        run(before())
        s.kill(signal.SIGKILL)
        s = start(tmp_path, "--push-webhook", hook.url)
        [post] = hook.wait_posts(1)
        assert post["body"] == "after the crash" and post["token"] == "tok-bob" and post["attempt"] == 2
        s.wait_metric("parley_push_webhook_sent_total", 1)
    finally:
        s.kill()


# ---- media --------------------------------------------------------------------------------------

@pytest.fixture
def media_server(tmp_path):
    s = PushServer(tmp_path / "data", tmp_path / "server.log", "--media-bytes-max", MEDIA_BYTES_MAX).start()
    yield s
    s.kill()


def request(server, method, path, body=None, headers=None):
    """(status, headers, body) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=FRAME_TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def upload(server, data, content_type="image/png", user=1):
    return request(server, "POST", "/media", data,
                   {"Authorization": "Bearer " + mint(user), "Content-Type": content_type})


def raw(server, data):
    """The status line answering raw request bytes (no client-side path normalisation)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=FRAME_TIMEOUT_S) as s:
        s.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\r\n", 1)[0].decode()


def test_upload_then_download_byte_identical_with_type_and_etag(media_server):
    data = os.urandom(40_000)
    status, _, body = upload(media_server, data, "image/png")
    assert status == 201, body
    meta = json.loads(body)
    sha = hashlib.sha256(data).hexdigest()
    assert meta == {"url": "/media/" + sha, "sha256": sha, "bytes": len(data), "content_type": "image/png"}
    status, headers, got = request(media_server, "GET", meta["url"])
    assert status == 200 and got == data
    assert headers["Content-Type"] == "image/png" and headers["ETag"] == f'"{sha}"'
    status, _, _ = request(media_server, "GET", meta["url"], headers={"If-None-Match": f'"{sha}"'})
    assert status == 304


def test_same_content_twice_is_one_object_and_unknown_types_are_octet_stream(media_server):
    data = b"the same bytes" * 100
    first = json.loads(upload(media_server, data, "text/html")[2])
    second = json.loads(upload(media_server, data, "image/jpeg")[2])
    assert first["url"] == second["url"]
    assert first["content_type"] == "application/octet-stream"  # text/html is not on the allow-list
    status, headers, _ = request(media_server, "GET", first["url"])
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"
    objects = [p for p in os.listdir(media_server.data_dir / "media") if len(p) == 64]
    assert objects == [first["sha256"]]


def test_uploads_over_the_limit_get_413(media_server):
    # Announced by Content-Length: answered from the header alone.
    line = raw(media_server, (f"POST /media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {mint(1)}\r\n"
                              f"Content-Length: {MEDIA_BYTES_MAX + 1}\r\n\r\n").encode())
    assert line.startswith("HTTP/1.1 413"), line
    # Chunked, so only counting reveals it: refused once past the limit, the rest discarded.
    def chunks():
        for _ in range(3):
            yield os.urandom(MEDIA_BYTES_MAX // 2 + 1)
    conn = http.client.HTTPConnection("127.0.0.1", media_server.port, timeout=FRAME_TIMEOUT_S)
    try:
        conn.request("POST", "/media", body=chunks(), encode_chunked=True,
                     headers={"Authorization": "Bearer " + mint(1), "Transfer-Encoding": "chunked"})
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    assert not [p for p in os.listdir(media_server.data_dir / "media") if len(p) == 64]
    assert os.listdir(media_server.data_dir / "media" / "tmp") == []
    # Exactly at the limit is fine.
    assert upload(media_server, b"x" * MEDIA_BYTES_MAX)[0] == 201


def test_uploads_need_a_valid_bearer_token(media_server):
    assert request(media_server, "POST", "/media", b"data")[0] == 401
    assert request(media_server, "POST", "/media", b"data", {"Authorization": "Bearer v1.1.1.9.bad"})[0] == 401
    assert request(media_server, "POST", "/media", b"data", {"Authorization": "Basic " + mint(1)})[0] == 401


def test_unknown_media_is_404_and_malformed_names_are_400(media_server):
    assert request(media_server, "GET", "/media/" + "0" * 64)[0] == 404
    sha = hashlib.sha256(b"x").hexdigest()
    for name in ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e", sha.upper(), sha[:-1], sha + "/..",
                 sha + "0", "", "./" + sha]:
        line = raw(media_server, f"GET /media/{name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert line.startswith("HTTP/1.1 400"), (name, line)


def test_a_message_carries_the_media_url_as_a_reference(media_server):
    data = os.urandom(1000)
    meta = json.loads(upload(media_server, data, "image/jpeg")[2])

    async def scenario():
        alice = await Client.login(media_server.port, 1)
        bob = await Client.login(media_server.port, 2)
        body = {"type": "media", "url": meta["url"], "mime": meta["content_type"], "size": meta["bytes"]}
        await send_to(alice, "media-1", 2, body)
        msg = await bob.find(lambda f: f["op"] == "msg")
        assert msg["body"]["url"] == meta["url"] and msg["body"]["size"] == 1000
        status, _, got = request(media_server, "GET", msg["body"]["url"])
        assert status == 200 and got == data
    run(scenario())
