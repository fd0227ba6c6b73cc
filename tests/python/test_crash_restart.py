"""Crash test (issue #3): while clients send, `kill -9` the server at several points (after N acks
for several N, and at a seeded random time), restart it on the same data directory and port, and
reconnect. Every acknowledged message must be in history with its acknowledged id and be
delivered (live or by `sync` replay), no client UUID may be stored twice, and each sender's
messages keep their order within the conversation.

ctest sets PARLEY_SERVER (test `server.crash_restart`); without it every test here is skipped.
"""
import asyncio
import random
import signal
import time
from dataclasses import dataclass, field

import pytest

from server_harness import SERVER, Client, Server, run, send_text

pytestmark = pytest.mark.skipif(not SERVER, reason="PARLEY_SERVER is not set (ctest's server.crash_restart sets it)")
websockets = pytest.importorskip("websockets")

SENDERS = [201, 202, 203]
RECIPIENT_OF = {u: u + 100 for u in SENDERS}
WINDOW = 4                      # sends in flight per sender
KILL_AFTER_ACKS = [3, 40, 150]  # kill points by acks in the round, then a seeded random time
SEED = 20261130
ROUND_TIMEOUT_S = 60.0
FLAGS = ["--rate-frames-per-s", "0"]  # the senders go as fast as durable writes allow


@dataclass
class Sender:
    user: int
    next_seq: int = 0
    unacked: dict = field(default_factory=dict)  # uuid → seq, sent and not acknowledged
    acked: dict = field(default_factory=dict)    # uuid → (seq, msg id, conv)

    def uuid(self, seq):
        return f"c{self.user}-{seq}"


class Round:
    def __init__(self, kill_after):
        self.kill_after, self.acks, self.stop = kill_after, 0, asyncio.Event()

    def acked(self):
        self.acks += 1
        if self.kill_after is not None and self.acks >= self.kill_after:
            self.stop.set()


def send_frame(sender, uuid, seq):
    return {"op": "send", "rid": uuid, "id": uuid, "to": str(RECIPIENT_OF[sender.user]),
            "body": {"type": "text", "text": f"message {seq} of {sender.user}"}}


async def pump(sender, client, rnd):
    """Resends what is unacknowledged (in order), then keeps WINDOW new sends in flight."""
    in_flight = 0
    try:
        for uuid, seq in sorted(sender.unacked.items(), key=lambda kv: kv[1]):
            await client.send(send_frame(sender, uuid, seq))
            in_flight += 1
        while True:
            while in_flight < WINDOW:
                seq, sender.next_seq = sender.next_seq, sender.next_seq + 1
                uuid = sender.uuid(seq)
                sender.unacked[uuid] = seq
                await client.send(send_frame(sender, uuid, seq))
                in_flight += 1
            frame = await client.recv(ROUND_TIMEOUT_S)
            if frame["op"] == "error":
                raise AssertionError(f"send refused: {frame}")
            if frame["op"] != "ack":
                continue
            in_flight -= 1
            seq = sender.unacked.pop(frame["id"])
            previous = sender.acked.get(frame["id"])
            assert previous is None or previous[1] == frame["msg"], (previous, frame)  # dup: same id
            sender.acked[frame["id"]] = (seq, frame["msg"], frame["conv"])
            rnd.acked()
    except (websockets.ConnectionClosed, ConnectionError, asyncio.IncompleteReadError):
        return  # the server was killed


async def drain(client):
    """Reads (and acknowledges) deliveries until the connection dies."""
    try:
        while True:
            await client.recv(ROUND_TIMEOUT_S)
    except (websockets.ConnectionClosed, ConnectionError, asyncio.TimeoutError):
        return


async def one_round(server, senders, recipients_seen, kill_after=None, kill_at_s=None):
    rnd = Round(kill_after)
    clients = {s.user: await Client.login(server.port, s.user) for s in senders}
    receivers = {u: await Client.login(server.port, RECIPIENT_OF[u]) for u in clients}
    tasks = [asyncio.create_task(pump(s, clients[s.user], rnd)) for s in senders]
    tasks += [asyncio.create_task(drain(r)) for r in receivers.values()]
    if kill_at_s is not None:
        await asyncio.sleep(kill_at_s)
    else:
        await asyncio.wait_for(rnd.stop.wait(), ROUND_TIMEOUT_S)
    server.kill(signal.SIGKILL)
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), ROUND_TIMEOUT_S)
    for t in tasks:
        assert t.exception() is None, t.exception()
    for u, r in receivers.items():
        recipients_seen[u].extend(r.messages)
    return rnd.acks


async def history_of(client, conv):
    """Every stored message of conv, oldest first (paging with `before`)."""
    messages, before = [], "0"
    while True:
        await client.send({"op": "history", "rid": "h" + before, "conv": conv, "before": before, "limit": 200})
        page = await client.find(lambda f: f["op"] in ("history.page", "error") and f.get("rid") == "h" + before)
        assert page["op"] == "history.page", page
        messages.extend(page["messages"])
        if not page["more"] or not page["messages"]:
            return list(reversed(messages))
        before = page["messages"][-1]["msg"]


async def replay(client, conv):
    """Delivers conv from the start by `sync`; returns the msg frames received meanwhile."""
    after, start = "0", len(client.messages)
    while True:
        await client.send({"op": "sync", "rid": "s" + after, "positions": [{"conv": conv, "after": after}],
                           "limit": 200})
        done = await client.find(lambda f: f["op"] == "sync.done" and f.get("rid") == "s" + after, skip_max=1000)
        assert not done.get("resync"), done
        if not done["more"]:
            return client.messages[start:]
        after = done["through"]


def check(server_port, senders, recipients_seen):
    async def scenario():
        for s in senders:
            conv = {a[2] for a in s.acked.values()}
            assert len(conv) == 1, conv
            conv = conv.pop()
            c = await Client.login(server_port, s.user)
            stored = await history_of(c, conv)
            await c.close()
            by_uuid = {}
            for m in stored:
                assert m["id"] not in by_uuid, f"client uuid {m['id']} stored twice"
                by_uuid[m["id"]] = m["msg"]
            for uuid, (seq, msg, _) in s.acked.items():
                assert by_uuid.get(uuid) == msg, f"acknowledged {uuid} ({msg}) is not in history"
            seqs = [int(m["id"].rsplit("-", 1)[1]) for m in stored]
            assert seqs == sorted(seqs), "a sender's messages are out of order in its conversation"
            assert [int(m["msg"]) for m in stored] == sorted(int(m["msg"]) for m in stored)

            r = await Client.login(server_port, RECIPIENT_OF[s.user])
            replayed = await replay(r, conv)
            await r.close()
            delivered = {}
            for m in recipients_seen[s.user] + replayed:
                assert delivered.setdefault(m["id"], m["msg"]) == m["msg"], f"{m['id']} delivered as two messages"
            for uuid, (seq, msg, _) in s.acked.items():
                assert delivered.get(uuid) == msg, f"acknowledged {uuid} was never delivered"
            replay_order = [int(m["id"].rsplit("-", 1)[1]) for m in replayed]
            assert replay_order == sorted(replay_order), "replay is out of order"
    run(scenario(), timeout=ROUND_TIMEOUT_S * 2)


def test_acknowledged_messages_survive_kill_9_at_several_points(tmp_path):
    server = Server(tmp_path / "data", tmp_path / "server.log", extra=FLAGS)
    senders = [Sender(u) for u in SENDERS]
    seen = {u: [] for u in SENDERS}
    rng = random.Random(SEED)
    points = [("acks", n) for n in KILL_AFTER_ACKS] + [("time", rng.uniform(0.2, 1.0))]
    unacked_at_kill = []
    try:
        for kind, value in points:
            server.start()
            acks = run(one_round(server, senders, seen, kill_after=value if kind == "acks" else None,
                                 kill_at_s=value if kind == "time" else None), timeout=ROUND_TIMEOUT_S * 2)
            assert kind == "time" or acks >= value
            unacked_at_kill.append(sum(len(s.unacked) for s in senders))
        total = sum(len(s.acked) for s in senders)
        assert total >= sum(KILL_AFTER_ACKS), total
        assert all(n > 0 for n in unacked_at_kill), unacked_at_kill  # every kill hit sends in flight
        server.start()  # same data directory and port
        check(server.port, senders, seen)
    finally:
        server.kill()


def test_devices_online_before_a_crash_are_offline_after_the_restart(tmp_path):
    """The startup sweep: after kill -9, the registry still names bob's dead session. Until bob
    reconnects, a message to him must be treated as for an offline device (a push candidate), not
    routed to a session that no longer exists."""
    server = Server(tmp_path / "data", tmp_path / "server.log", extra=FLAGS)
    try:
        server.start()

        async def before():
            alice = await Client.login(server.port, 401)
            bob = await Client.login(server.port, 402)
            ack = await send_text(alice, "s-1", "while bob is online", to=402)
            assert ack["op"] == "ack"
            await bob.find(lambda f: f["op"] == "msg")
            await asyncio.sleep(0.3)  # the registry write of bob's connect is long durable
            assert server.metric("parley_push_candidates_total") == 0  # bob was online: delivered live
            server.kill(signal.SIGKILL)  # bob's session dies with the server; its registry entry does not
            return ack["conv"]
        conv = run(before())

        server.start()

        async def after():
            alice = await Client.login(server.port, 401)
            ack = await send_text(alice, "s-2", "while bob is away", to=402)
            assert ack["op"] == "ack"
            deadline = time.monotonic() + 5
            while server.metric("parley_push_candidates_total") < 1:  # published at the next tick
                assert time.monotonic() < deadline, "bob still looks online after the restart"
                await asyncio.sleep(0.05)
            bob = await Client.login(server.port, 402)
            await bob.send({"op": "sync", "rid": "s", "positions": [{"conv": conv, "after": "0"}]})
            await bob.find(lambda f: f["op"] == "sync.done")
            assert [m["id"] for m in bob.messages] == ["s-1", "s-2"]
        run(after())
    finally:
        server.kill()
