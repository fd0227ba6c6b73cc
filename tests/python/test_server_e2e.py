"""parley-server end to end over loopback: the real binary on a port it picks itself, driven by an
independent WebSocket client (Debian's python3-websockets) and plain HTTP.

ctest sets PARLEY_SERVER to the binary (test `server.e2e`); without it (e.g. when the python.pytest
test runs the whole directory) every test here is skipped. Every wait is bounded and every server
process is killed at the end of its test.
"""
import asyncio
import os
import signal
import subprocess
import time

import pytest

from server_harness import SERVER, STOP_TIMEOUT_S, Client, Server, mint, run, send_text

pytestmark = pytest.mark.skipif(not SERVER, reason="PARLEY_SERVER is not set (ctest's server.e2e sets it)")
websockets = pytest.importorskip("websockets")


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "data", tmp_path / "server.log").start()
    yield s
    s.kill()


def text_msg(frame, text=None):
    return frame["op"] == "msg" and frame["body"]["type"] == "text" and (text is None or frame["body"]["text"] == text)


def test_direct_message_ack_delivery_and_dedup(server):
    async def scenario():
        alice = await Client.login(server.port, 1)
        bob = await Client.login(server.port, 2)
        ack = await send_text(alice, "u-1", "hello bob", to=2)
        assert ack["op"] == "ack" and ack["rid"] == "r-u-1" and ack["id"] == "u-1" and ack["dup"] is False
        msg = await bob.expect("msg")
        assert (msg["conv"], msg["msg"], msg["from"], msg["id"]) == (ack["conv"], ack["msg"], "1", "u-1")
        assert msg["body"] == {"type": "text", "text": "hello bob"}
        await alice.silence()  # the sender gets its ack and nothing else

        again = await send_text(alice, "u-1", "hello bob", to=2)  # a retry after a lost ack
        assert again["op"] == "ack" and again["dup"] is True
        assert (again["conv"], again["msg"]) == (ack["conv"], ack["msg"])
        await bob.silence()  # a duplicate is not delivered again
        await alice.close()
        await bob.close()
    run(scenario())


def test_group_message_fans_out_to_every_member(server):
    async def scenario():
        owner, ann, ben = [await Client.login(server.port, u) for u in (10, 11, 12)]
        await owner.send({"op": "group.create", "rid": "g1", "name": "climbing", "members": ["11", "12"]})
        group = await owner.find(lambda f: f["op"] == "group")
        assert group["rid"] == "g1" and group["members"] == ["10", "11", "12"] and group["owner"] == "10"
        ack = await send_text(owner, "g-1", "hi all", group=group["group"])
        assert ack["op"] == "ack" and ack["conv"] == group["conv"]
        for member in (ann, ben):
            msg = await member.find(lambda f: text_msg(f, "hi all"))
            assert (msg["conv"], msg["msg"], msg["from"]) == (group["conv"], ack["msg"], "10")
        for c in (owner, ann, ben):
            await c.close()
    run(scenario())


def test_history_is_newest_first_and_only_for_members(server):
    async def scenario():
        alice = await Client.login(server.port, 20)
        bob = await Client.login(server.port, 21)
        acks = [await send_text(alice, f"h-{i}", text, to=21) for i, text in enumerate(["one", "two", "three"])]
        conv = acks[0]["conv"]
        await alice.send({"op": "history", "rid": "h1", "conv": conv, "limit": 10})
        page = await alice.find(lambda f: f["op"] == "history.page")
        assert page["rid"] == "h1" and page["more"] is False
        assert [m["body"]["text"] for m in page["messages"]] == ["three", "two", "one"]
        assert [m["msg"] for m in page["messages"]] == [a["msg"] for a in reversed(acks)]

        await alice.send({"op": "history", "rid": "h2", "conv": conv, "limit": 2})
        first = await alice.find(lambda f: f["op"] == "history.page")
        assert [m["body"]["text"] for m in first["messages"]] == ["three", "two"] and first["more"] is True

        eve = await Client.login(server.port, 22)
        await eve.send({"op": "history", "rid": "h3", "conv": conv})
        error = await eve.expect("error")
        assert error["rid"] == "h3" and error["code"] == "not_member"
        for c in (alice, bob, eve):
            await c.close()
    run(scenario())


def test_bad_frames_get_error_frames_and_the_session_stays_open(server):
    async def scenario():
        c = await Client.login(server.port, 30)
        await c.send("this is not json")
        assert (await c.expect("error"))["code"] == "bad_json"
        await c.send({"op": "teleport", "rid": "t1"})
        error = await c.expect("error")
        assert error["code"] == "unknown_op" and error["rid"] == "t1"
        await c.send("x" * 70_000)  # over frame_bytes_max: answered, not fatal
        assert (await c.expect("error"))["code"] == "frame_too_large"
        await c.send({"op": "send", "id": "b-1", "to": "30", "body": {"type": "text", "text": "me"}})
        assert (await c.expect("error"))["code"] == "invalid_value"  # a message to oneself
        await c.send({"op": "ping"})
        await c.expect("pong")

        noisy = await Client.login(server.port, 32)
        for _ in range(32):  # session_protocol_errors_max bad frames in a row close the session
            await noisy.send("{")
        codes = [(await noisy.expect("error"))["code"] for _ in range(32)]
        assert codes == ["bad_json"] * 32
        assert (await noisy.closed())[0] == 1008

        huge = await Client.login(server.port, 31)
        try:
            await huge.send("y" * (2 << 20))  # beyond the hard cap: the connection is failed
        except websockets.ConnectionClosed:
            pass  # the server may close while the frame is still being written
        assert (await huge.closed())[0] == 1009  # message too big
        await c.close()
    run(scenario())


def metric(server, name):
    status, body = server.http("/metrics")
    assert status == 200
    values = dict(line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))
    return float(values[name])


def test_a_session_that_does_not_read_is_closed_as_a_slow_consumer(server):
    async def scenario():
        alice = await Client.login(server.port, 80)
        bob = await Client.login(server.port, 81)
        big = "z" * 16_000
        acks = [await send_text(alice, f"s-{i}", big, to=81) for i in range(20)]
        for _ in acks:
            await bob.find(lambda f: text_msg(f, big))
        # A second device of bob asks for ~330 KB history pages and never reads them: once the
        # kernel's socket buffers are full, its write queue reaches its byte bound.
        slow = Client(await websockets.connect(f"ws://127.0.0.1:{server.port}/", max_size=1 << 24,
                                               max_queue=1, read_limit=1 << 12, ping_interval=None,
                                               close_timeout=1))
        await slow.send({"op": "auth", "token": mint(81, 2)})
        await slow.expect("auth.ok")
        for i in range(150):
            await slow.send({"op": "history", "rid": f"p{i}", "conv": acks[0]["conv"], "limit": 20})
        for _ in range(100):
            if metric(server, "parley_closed_write_queue_total") >= 1:
                break
            await asyncio.sleep(0.1)
        assert metric(server, "parley_closed_write_queue_total") == 1
        # Everybody else is served as before.
        ack = await send_text(alice, "s-after", "still there?", to=81)
        assert ack["op"] == "ack"
        await bob.find(lambda f: text_msg(f, "still there?"))
        slow.ws.transport.abort()
        await alice.close()
        await bob.close()
    run(scenario())


def test_bad_tokens_close_the_session(server):
    async def scenario():
        now_ms = int(time.time() * 1000)
        for token, code in [("v1.1.1.99999999999999.deadbeef", "auth_failed"),
                            (mint(40, secret="another-secret-0123456789"), "auth_failed"),
                            (mint(40, extra=("--now-ms", str(now_ms - 100_000), "--ttl-s", "1")), "token_expired")]:
            c = await Client.open(server.port)
            await c.send({"op": "auth", "token": token})
            assert (await c.expect("error"))["code"] == code
            assert (await c.closed())[0] == 1008  # policy violation
    run(scenario())


def test_serve_refuses_to_start_without_a_token_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PARLEY_TOKEN_SECRET"}
    for extra in ([], ["--token-secret", "too-short"]):
        out = subprocess.run([SERVER, "serve", "--port", "0", "--data-dir", str(tmp_path / "d"), *extra],
                             capture_output=True, timeout=10, env=env)
        assert out.returncode == 2
        assert b"--token-secret" in out.stderr and b"16 bytes" in out.stderr
    help_text = subprocess.run([SERVER, "serve", "--help"], capture_output=True, timeout=10).stdout.decode()
    for flag in ("--listen", "--port", "--data-dir", "--workers", "--token-secret", "--sync", "--log-level"):
        assert flag in help_text


def test_http_health_readiness_and_metrics(server):
    assert server.http("/healthz") == (200, "ok\n")
    assert server.http("/readyz") == (200, "ready\n")
    assert server.http("/nope")[0] == 404

    async def scenario():
        a = await Client.login(server.port, 50)
        b = await Client.login(server.port, 51)
        assert (await send_text(a, "m-1", "count me", to=51))["op"] == "ack"
        await b.find(lambda f: text_msg(f, "count me"))
        for _ in range(50):  # role statistics are published every tick (100 ms)
            status, body = server.http("/metrics")
            assert status == 200
            values = dict(line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))
            if float(values["parley_messages_accepted_total"]) >= 1:
                break
            await asyncio.sleep(0.1)
        assert float(values["parley_messages_accepted_total"]) >= 1
        assert float(values["parley_deliveries_total"]) >= 1
        assert float(values["parley_connections"]) == 2
        assert float(values["parley_store_batches_total"]) >= 1
        assert 'parley_store_batch_seconds_bucket{le="+Inf"}' in values
        # The gateway's registry counters: a healthy server (RocksDB registry) never fails one.
        assert values["parley_registry_connects_failed_total"] == "0"
        assert values["parley_registry_resyncs_total"] == "0"
        await a.close()
        await b.close()
    run(scenario())


def test_history_and_dedup_survive_a_restart(tmp_path):
    s = Server(tmp_path / "data", tmp_path / "server.log").start()
    try:
        async def before():
            a = await Client.login(s.port, 60)
            b = await Client.login(s.port, 61)
            ack = await send_text(a, "d-1", "persist me", to=61)
            await b.find(lambda f: text_msg(f, "persist me"))
            await a.close()
            await b.close()
            return ack
        ack = run(before())
        code, _ = s.stop()
        assert code == 0, s.log()

        s.start()  # same data directory

        async def after():
            a = await Client.login(s.port, 60)
            await a.send({"op": "history", "rid": "h", "conv": ack["conv"]})
            page = await a.find(lambda f: f["op"] == "history.page")
            assert [(m["msg"], m["body"]["text"]) for m in page["messages"]] == [(ack["msg"], "persist me")]
            again = await send_text(a, "d-1", "persist me", to=61)
            assert again["op"] == "ack" and again["dup"] is True and again["msg"] == ack["msg"]
            await a.close()
        run(after())
    finally:
        s.kill()


def test_sigterm_closes_sessions_going_away_and_exits_zero(server):
    async def scenario():
        c = await Client.login(server.port, 70)
        server.proc.send_signal(signal.SIGTERM)
        assert (await c.closed())[0] == 1001  # going away
    started = time.monotonic()
    run(scenario())
    assert server.proc.wait(timeout=STOP_TIMEOUT_S) == 0, server.log()
    assert time.monotonic() - started < 5.0
    assert "event=stopped" in server.log()
