"""Shared helpers of the process-level server tests (test_server_e2e.py, test_server_bad_input.py,
test_crash_restart.py, test_push_media.py): start parley-server on a port it picks, mint tokens, and a WebSocket
client on Debian's python3-websockets. Every wait is bounded; every process is killed by its test.
"""
import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

SERVER = os.environ.get("PARLEY_SERVER")
SECRET = "wire-test-secret-0123456789"
FRAME_TIMEOUT_S = 5.0
SILENCE_S = 0.5           # "nothing else arrives"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
FRAMES_SKIPPED_MAX = 200


class Server:
    """One parley-server process on 127.0.0.1. `port=0` lets the kernel pick; a restart reuses it."""

    def __init__(self, data_dir, log_path, extra=(), port=0, workers=2):
        self.data_dir, self.log_path, self.extra = data_dir, log_path, list(extra)
        self.port, self.workers, self.proc = port, workers, None

    def argv(self):
        return [SERVER, "serve", "--listen", "127.0.0.1", "--port", str(self.port), "--data-dir",
                str(self.data_dir), "--workers", str(self.workers), "--token-secret", SECRET,
                "--log-level", "debug", *self.extra]

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=subprocess.PIPE, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT_S
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"server did not report its port; log: {self.log()}"
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                assert chunk, f"server exited early ({self.proc.poll()}); log: {self.log()}"
                line += chunk
        text = line.decode().strip()
        assert text.startswith("listening on 127.0.0.1:"), text
        self.port = int(text.rsplit(":", 1)[1])
        return self

    def stop(self, sig=signal.SIGTERM):
        """Sends sig and returns (exit code, seconds it took)."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        return code, time.monotonic() - started

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode(errors="replace")
        except OSError:
            return "(no log)"

    def http(self, path):
        """(status, body) of GET path."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=FRAME_TIMEOUT_S) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metric(self, name):
        """The value of one unlabelled /metrics sample."""
        status, body = self.http("/metrics")
        assert status == 200, status
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"metric {name} missing")

    def raw_http(self, request: bytes, timeout=FRAME_TIMEOUT_S):
        """Sends raw bytes and returns the status code of the answer (None when the server just closes)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(request)
            data = b""
            try:
                while b"\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
        if not data.startswith(b"HTTP/1.1 "):
            return None
        return int(data.split(b" ", 2)[1])


def mint(user, device=1, secret=SECRET, extra=()):
    out = subprocess.run([SERVER, "token", "--secret", secret, "--user", str(user), "--device", str(device),
                          *extra], capture_output=True, timeout=10, check=True)
    return out.stdout.decode().strip()


def run(scenario, timeout=120.0):
    return asyncio.run(asyncio.wait_for(scenario, timeout))


class Client:
    """One device's WebSocket session. `msg` frames are recorded and acknowledged with `delivered`."""

    def __init__(self, ws):
        self.ws = ws
        self.messages = []  # every msg frame received, in order

    @classmethod
    async def open(cls, port, **kwargs):
        import websockets  # imported late: the test files skip themselves when it is missing
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=FRAME_TIMEOUT_S,
                                      max_size=1 << 22, ping_interval=None, close_timeout=1, **kwargs)
        return cls(ws)

    @classmethod
    async def login(cls, port, user, device=1):
        c = await cls.open(port)
        await c.send({"op": "auth", "token": mint(user, device)})
        ok = await c.expect("auth.ok")
        assert ok["user"] == str(user) and ok["device"] == str(device)
        return c

    async def send(self, frame):
        await self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def recv(self, timeout=FRAME_TIMEOUT_S):
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if frame["op"] == "msg":
            self.messages.append(frame)
            await self.send({"op": "delivered", "conv": frame["conv"], "msg": frame["msg"]})
        return frame

    async def expect(self, op, timeout=FRAME_TIMEOUT_S):
        frame = await self.recv(timeout)
        assert frame["op"] == op, frame
        return frame

    async def find(self, predicate, timeout=FRAME_TIMEOUT_S, skip_max=FRAMES_SKIPPED_MAX):
        for _ in range(skip_max):
            frame = await self.recv(timeout)
            if predicate(frame):
                return frame
        raise AssertionError("no matching frame")

    async def silence(self, seconds=SILENCE_S):
        """Asserts that nothing arrives for `seconds`."""
        try:
            frame = await self.recv(seconds)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected frame {frame}")

    async def closed(self, timeout=FRAME_TIMEOUT_S):
        """Reads until the server closes the connection; returns (close code, reason, frames seen)."""
        import websockets
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the connection stayed open; frames: {seen[-5:]}"
            try:
                seen.append(json.loads(await asyncio.wait_for(self.ws.recv(), remaining)))
            except websockets.ConnectionClosed:
                return self.ws.close_code, self.ws.close_reason, seen

    async def close(self):
        await self.ws.close()


async def send_text(client, cid, text, to=None, group=None):
    """Sends a text message and returns the ack or error frame answering it."""
    frame = {"op": "send", "rid": "r-" + cid, "id": cid, "body": {"type": "text", "text": text}}
    frame.update({"to": str(to)} if to else {"group": group})
    await client.send(frame)
    return await client.find(lambda f: f["op"] in ("ack", "error") and f.get("rid") == "r-" + cid)
