"""Starts and stops a RESP server (warpd or Debian's redis-server) for the client suite.

The suite in this directory drives a real server on loopback with real clients (redis-py,
redis-cli, raw sockets). The same tests run against either server:

  WARP_TEST_SERVER=warpd  (default) <WARP_BUILD_DIR>/bin/warpd, WARP_BUILD_DIR defaults to
                          <repo>/build; WARP_WARPD=/path/to/warpd overrides the binary itself.
  WARP_TEST_SERVER=redis  redis-server from PATH (or WARP_REDIS_SERVER): the reference the tests
                          were validated against.

Contract of Server:
  - start() launches the process on 127.0.0.1 with a temporary data directory of its own and
    returns once the server accepts commands; every wait is bounded (START_TIMEOUT_S) and a
    server that exits or stays silent raises HarnessError with the tail of its log.
  - stop() sends SIGTERM to the PID, waits up to STOP_TIMEOUT_S, then SIGKILLs it; it returns the
    exit status (0 = clean shutdown). kill() is `kill -9`. restart() starts the same server on the
    same data directory again (optionally on the same port).
  - Only the PID this object started is ever signalled. Servers still running when the
    interpreter exits are killed by PID (atexit), and every temporary directory is removed then
    unless WARP_TEST_KEEP_TMP=1 (each holds the server's log, server.log, and its data).
  - Not thread-safe: one thread starts and stops a Server; any number of threads may use clients.

warpd is started as
  warpd --config <repo>/config/warpengine.yaml --data <tmp>/data --port 0
        --set server.http_port=0 [--set key=value ...]
and its stderr is parsed for `resp: listening on 127.0.0.1:PORT`,
`http: listening on 127.0.0.1:PORT` and `warpd ready`.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

try:
    import redis  # Debian: python3-redis
except ImportError as e:  # pragma: no cover - depends on the interpreter
    raise ImportError(
        f"redis-py is not importable by {sys.executable}; run the suite with the interpreter "
        "that has Debian's python3-redis (usually /usr/bin/python3), e.g. "
        "tests/integration/resp/run_tests.py, which picks it") from e

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

START_TIMEOUT_S = 30.0  # until a server accepts commands
STOP_TIMEOUT_S = 30.0  # between SIGTERM and SIGKILL
SOCKET_TIMEOUT_S = 10.0  # any single read or write of a test client
CONNECT_TIMEOUT_S = 5.0

_RESP_RE = re.compile(r"resp: listening on ([0-9.]+):(\d+)")
_HTTP_RE = re.compile(r"http: listening on ([0-9.]+):(\d+)")


class HarnessError(Exception):
    """The server could not be started or stopped as asked; the message carries its log."""


def server_kind():
    kind = os.environ.get("WARP_TEST_SERVER", "warpd")
    if kind not in ("warpd", "redis"):
        raise HarnessError(f"WARP_TEST_SERVER must be 'warpd' or 'redis', not {kind!r}")
    return kind


KIND = server_kind()
IS_WARPD = KIND == "warpd"
IS_REDIS = KIND == "redis"


def warpd_only(reason):
    """Skips a test or class unless the suite runs against warpd; `reason` says why."""
    return unittest.skipUnless(IS_WARPD, f"warpd only: {reason}")


def redis_durable_validation():
    """True when WARP_TEST_REDIS_DURABLE=1: the warpd-only durability tests are run against
    redis-server with appendonly yes / appendfsync always, which validates the tests themselves."""
    return IS_REDIS and os.environ.get("WARP_TEST_REDIS_DURABLE") == "1"


def warpd_binary():
    explicit = os.environ.get("WARP_WARPD")
    if explicit:
        return explicit
    build = os.environ.get("WARP_BUILD_DIR", os.path.join(REPO_ROOT, "build"))
    return os.path.join(build, "bin", "warpd")


def free_port():
    """A port the OS just handed out on 127.0.0.1. Another process may take it before we bind
    it again, so callers retry on a bind failure."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.02):
    """Polls `predicate` until it returns a truthy value, which is returned; raises
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


_live_servers = set()  # started and not yet stopped
_all_servers = []  # every Server created, for removing temporary directories at exit


@atexit.register
def _kill_leftovers():
    for server in list(_live_servers):
        server.kill()
    if os.environ.get("WARP_TEST_KEEP_TMP") != "1":
        for server in _all_servers:
            server.cleanup()


class Server:
    """One server process of kind `kind` ('warpd' or 'redis', default from the environment).

    requirepass: start with a password (warpd: server.requirepass, redis: --requirepass).
    durable:     for redis only, appendonly yes + appendfsync always (warpd is always durable).
    warpd_set:   extra `--set key=value` overrides for warpd.
    redis_args:  extra redis-server arguments.
    """

    def __init__(self, kind=None, requirepass=None, durable=False, warpd_set=(),
                 redis_args=()):
        self.kind = kind or KIND
        self.requirepass = requirepass
        self.durable = durable
        self.warpd_set = list(warpd_set)
        self.redis_args = list(redis_args)
        self.tmp = tempfile.mkdtemp(prefix=f"warp-resp-{self.kind}-")
        self.host = "127.0.0.1"
        self.port = None
        self.http_port = None
        self.proc = None
        self.starts = 0
        self._lines = []
        self._cond = threading.Condition()
        self._reader = None
        _all_servers.append(self)

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def data_dir(self):
        return os.path.join(self.tmp, "data") if self.kind == "warpd" else self.tmp

    def start(self, port=None):
        """Starts the server (on `port` if given, else a free one) and waits until it serves."""
        if self.proc is not None and self.proc.poll() is None:
            raise HarnessError("server already running")
        if self.kind == "warpd":
            self._start_warpd(port)
        else:
            self._start_redis(port)
        self.starts += 1
        _live_servers.add(self)
        return self

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        """Sends `sig` to the server's PID and waits for it to exit, SIGKILLing it after
        `timeout` seconds. Returns the exit status (negative: killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
                self._log_line(f"[harness] no exit {timeout:.0f} s after signal {sig}; SIGKILLed")
        if self._reader:
            self._reader.join(10)
        code = self.proc.returncode
        _live_servers.discard(self)
        return code

    def kill(self):
        """kill -9: no chance to flush anything the server has not written yet."""
        return self.stop(sig=signal.SIGKILL, timeout=10)

    def restart(self, same_port=False, sig=signal.SIGTERM):
        """Stops the server with `sig` and starts it again on the same data directory.
        Returns the exit status of the stopped process."""
        old_port = self.port
        code = self.stop(sig=sig)
        self.start(port=old_port if same_port else None)
        return code

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False

    # ---- clients ---------------------------------------------------------------------------

    def client(self, db=0, password="<server's>", **kwargs):
        """A redis-py client for this server with bounded socket timeouts."""
        if password == "<server's>":
            password = self.requirepass
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_S)
        kwargs.setdefault("socket_connect_timeout", CONNECT_TIMEOUT_S)
        return redis.Redis(host=self.host, port=self.port, db=db, password=password, **kwargs)

    def raw(self, timeout=SOCKET_TIMEOUT_S):
        """A RawConnection (hand-written RESP over a plain socket) to this server."""
        return RawConnection(self.host, self.port, timeout)

    def log_text(self):
        with self._cond:
            return "\n".join(self._lines)

    # ---- internals -------------------------------------------------------------------------

    def _spawn(self, argv):
        with self._cond:
            self._lines = []
        self._log_line("[harness] $ " + " ".join(argv))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read_output, args=(self.proc,), daemon=True)
        self._reader.start()

    def _read_output(self, proc):
        with open(os.path.join(self.tmp, "server.log"), "ab") as log:
            for raw in proc.stdout:
                log.write(raw)
                log.flush()
                self._log_line(raw.decode("utf-8", "replace").rstrip("\n"))
        proc.stdout.close()
        with self._cond:
            self._cond.notify_all()

    def _log_line(self, line):
        with self._cond:
            self._lines.append(line)
            self._cond.notify_all()

    def _wait_for_log(self, pattern, deadline):
        """Waits until a log line (of this start) matches `pattern`; returns the match or None
        if the process exited first. Raises HarnessError at `deadline`."""
        with self._cond:
            while True:
                for line in self._lines:
                    m = pattern.search(line)
                    if m:
                        return m
                if self.proc.poll() is not None and not self._reader.is_alive():
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._fail(f"no log line matching {pattern.pattern!r} within "
                               f"{START_TIMEOUT_S:.0f} s")
                self._cond.wait(min(remaining, 0.1))

    def _fail(self, why):
        tail = "\n".join(self._lines[-40:])
        pid = self.proc.pid if self.proc else None
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        _live_servers.discard(self)
        raise HarnessError(f"{self.kind} (pid {pid}): {why}\n--- log ---\n{tail}")

    def _start_warpd(self, port):
        binary = warpd_binary()
        if not os.access(binary, os.X_OK):
            raise HarnessError(f"no warpd binary at {binary}: build it, or set WARP_BUILD_DIR / "
                               "WARP_WARPD, or run against redis with WARP_TEST_SERVER=redis")
        argv = [binary, "--config", os.path.join(REPO_ROOT, "config", "warpengine.yaml"),
                "--data", self.data_dir, "--port", str(port or 0),
                "--set", "server.http_port=0"]
        sets = list(self.warpd_set)
        if self.requirepass is not None:
            sets.append(f"server.requirepass={self.requirepass}")
        for assignment in sets:
            argv += ["--set", assignment]
        deadline = time.monotonic() + START_TIMEOUT_S
        self._spawn(argv)
        resp = self._wait_for_log(_RESP_RE, deadline)
        http = self._wait_for_log(_HTTP_RE, deadline) if resp else None
        ready = self._wait_for_log(re.compile(r"warpd ready"), deadline) if http else None
        if not ready:
            self._fail(f"exited with status {self.proc.poll()} before it was ready")
        self.host, self.port = resp.group(1), int(resp.group(2))
        self.http_port = int(http.group(2))
        self._wait_for_ping(deadline)

    def _start_redis(self, port):
        binary = os.environ.get("WARP_REDIS_SERVER", "redis-server")
        for attempt in range(8):
            chosen = port or free_port()
            argv = [binary, "--port", str(chosen), "--bind", "127.0.0.1", "--save", "",
                    "--dir", self.tmp, "--daemonize", "no", "--logfile", ""]
            if self.durable:
                argv += ["--appendonly", "yes", "--appendfsync", "always"]
            else:
                argv += ["--appendonly", "no"]
            if self.requirepass is not None:
                argv += ["--requirepass", self.requirepass]
            argv += self.redis_args
            deadline = time.monotonic() + START_TIMEOUT_S
            self._spawn(argv)
            ready = self._wait_for_log(re.compile(r"Ready to accept connections"), deadline)
            if ready:
                self.port = chosen
                self._wait_for_ping(deadline)
                return
            if "Address already in use" in self.log_text() and port is None:
                continue  # someone took the free port between our probe and redis's bind
            self._fail(f"exited with status {self.proc.poll()} before it was ready")
        self._fail("no free port after 8 attempts")

    def _wait_for_ping(self, deadline):
        while True:
            try:
                with self.raw(timeout=2) as conn:
                    reply = conn.command("PING")
                    # With requirepass, the NOAUTH error still proves the server is serving.
                    if reply == "PONG" or (isinstance(reply, RespError) and
                                           reply.startswith("NOAUTH")):
                        return
            except OSError:
                pass
            if time.monotonic() >= deadline or self.proc.poll() is not None:
                self._fail("does not answer PING")
            time.sleep(0.02)


# ---- raw RESP over a socket ------------------------------------------------------------------


class RespError(str):
    """An error reply (`-...` or RESP3 `!...`), returned rather than raised."""


class RespMap(dict):
    """A RESP3 map reply (`%`)."""


class RespSet(list):
    """A RESP3 set reply (`~`)."""


class RespPush(list):
    """A RESP3 push reply (`>`)."""


class RespVerbatim(bytes):
    """A RESP3 verbatim string (`=`): the text without its 3-letter format, which is in
    `.format` (b"txt" or b"mkd"). Redis sends INFO, CLIENT INFO and CLIENT LIST this way."""

    format = b""


class RespNull:
    """The RESP3 null (`_`)."""

    def __repr__(self):
        return "RespNull"


RESP3_NULL = RespNull()


class ConnectionClosed(Exception):
    """The server closed the connection."""


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConnection:
    """A RESP2/RESP3 client of a few dozen lines, for what redis-py hides: exact reply types and
    bytes, protocol errors, inline commands, the server closing the connection.

    Replies: simple string -> str, error -> RespError, integer -> int, bulk -> bytes,
    null bulk/array (RESP2) -> None, array -> list, RESP3: map -> RespMap, set -> RespSet,
    null -> RESP3_NULL, double -> float, boolean -> bool, push -> RespPush, verbatim string ->
    RespVerbatim. `last_type` holds
    the type byte of the last top-level reply (e.g. b'%').
    """

    def __init__(self, host, port, timeout=SOCKET_TIMEOUT_S):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.last_type = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        self.send(encode_command(*args))
        return self.read_reply()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionClosed()
        self.buf += chunk

    def read_line(self):
        """One line without its CRLF, exactly as sent."""
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read_exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_reply(self):
        line = self.read_line()
        self.last_type = line[:1]
        return self._parse(line)

    def _parse(self, line):
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self._read_exact(n)
            if t == b"!":
                return RespError(data.decode())
            if t == b"=":
                if data[3:4] != b":":
                    raise AssertionError(f"verbatim string without 'fmt:' prefix: {data[:20]!r}")
                verbatim = RespVerbatim(data[4:])
                verbatim.format = data[:3]
                return verbatim
            return data
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._parse(self.read_line()) for _ in range(n)]
            return {b"*": list, b"~": RespSet, b">": RespPush}[t](items)
        if t == b"%":
            result = RespMap()
            for _ in range(int(rest)):
                k = self._parse(self.read_line())
                result[k if not isinstance(k, list) else tuple(k)] = self._parse(self.read_line())
            return result
        if t == b"_":
            return RESP3_NULL
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t == b"(":
            return int(rest)
        if t == b"|":  # attribute: read and drop it, then the real reply follows
            for _ in range(2 * int(rest)):
                self._parse(self.read_line())
            return self.read_reply()
        raise AssertionError(f"unknown RESP type in line {line!r}")

    def read_until_closed(self):
        """Everything the server sends until it closes the connection (bounded by the socket
        timeout, which raises socket.timeout if the server keeps it open)."""
        data = self.buf
        self.buf = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk


# ---- unittest glue ---------------------------------------------------------------------------


class ServerTestCase(unittest.TestCase):
    """A test case sharing one server per module: the module calls start_module_server() in
    setUpModule and stop_module_server() in tearDownModule. Each test starts on an empty
    server (FLUSHALL) with `self.r`, a bytes client on db 0, and `self.s`, the Server."""

    def setUp(self):
        self.s = _module_servers[self.__class__.__module__]
        self.r = self.s.client()
        self.r.flushall()
        self.addCleanup(self.r.close)

    def client(self, **kwargs):
        c = self.s.client(**kwargs)
        self.addCleanup(c.close)
        return c

    def raw(self):
        conn = self.s.raw()
        self.addCleanup(conn.close)
        return conn

    def assertError(self, text, fn, *args, **kwargs):
        """`fn(*args)` raises a redis-py ResponseError whose text is exactly `text` (redis-py
        drops the `ERR ` prefix of plain errors but keeps other codes such as `WRONGPASS`)."""
        with self.assertRaises(redis.ResponseError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(str(cm.exception), text)


_module_servers = {}


def start_module_server(module_name, **kwargs):
    _module_servers[module_name] = Server(**kwargs).start()


def stop_module_server(module_name):
    server = _module_servers.pop(module_name, None)
    if server is None:
        return
    code = server.stop()
    log = server.log_text()
    server.cleanup()
    if code != 0:
        raise AssertionError(f"{server.kind} exited with status {code} on SIGTERM; log:\n"
                             + "\n".join(log.splitlines()[-40:]))
