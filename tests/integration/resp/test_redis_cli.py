"""redis-cli (Debian's redis-tools) against the server: one-shot commands, raw and formatted
output, stdin, --scan and --pipe."""

import shutil
import subprocess
import unittest

import server_harness as h

REDIS_CLI = shutil.which("redis-cli")


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


@unittest.skipUnless(REDIS_CLI, "redis-cli is not installed (Debian package redis-tools)")
class RedisCli(h.ServerTestCase):
    def cli(self, *args, stdin=None):
        """Runs redis-cli against the server; returns its stdout. Bounded by a 30 s timeout."""
        argv = [REDIS_CLI, "-h", self.s.host, "-p", str(self.s.port), *args]
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        return done.stdout.decode()

    def test_set_and_get(self):
        self.assertEqual(self.cli("SET", "k", "v"), "OK\n")
        self.assertEqual(self.cli("GET", "k"), "v\n")
        self.assertEqual(self.r.get("k"), b"v")

    def test_no_raw_output_quotes_and_types_replies(self):
        self.r.set("k", "v")
        self.assertEqual(self.cli("--no-raw", "GET", "k"), '"v"\n')
        self.assertEqual(self.cli("--no-raw", "GET", "missing"), "(nil)\n")
        self.assertEqual(self.cli("--no-raw", "INCR", "n"), "(integer) 1\n")
        self.assertEqual(self.cli("--no-raw", "MGET", "k", "missing"), '1) "v"\n2) (nil)\n')
        self.assertEqual(self.cli("--no-raw", "GET"),
                         "(error) ERR wrong number of arguments for 'get' command\n")

    def test_info_server(self):
        out = self.cli("INFO", "server")
        self.assertTrue(out.startswith("# Server"), out[:40])
        self.assertIn("redis_version:", out)

    def test_select_with_n(self):
        self.assertEqual(self.cli("-n", "3", "SET", "k", "in-3"), "OK\n")
        self.assertEqual(self.client(db=3).get("k"), b"in-3")
        self.assertIsNone(self.r.get("k"))

    def test_commands_from_stdin(self):
        self.assertEqual(self.cli(stdin=b"SET x 1\nINCR x\nGET x\n"), "OK\n2\n2\n")

    def test_scan_with_pattern(self):
        self.r.mset({f"user:{i}": i for i in range(100)})
        self.r.mset({f"item:{i}": i for i in range(100)})
        out = self.cli("--scan", "--pattern", "user:*")
        self.assertEqual(sorted(out.split()), sorted(f"user:{i}" for i in range(100)))

    def test_pipe_mode_mass_insert(self):
        # --pipe ends with an ECHO of a random 20-byte marker to find the last reply.
        data = b"".join(h.encode_command("SET", f"p:{i}", f"v{i}") for i in range(2000))
        out = self.cli("--pipe", stdin=data)
        self.assertIn("errors: 0, replies: 2000", out)
        self.assertEqual(self.r.dbsize(), 2000)
        self.assertEqual(self.r.get("p:1999"), b"v1999")


if __name__ == "__main__":
    unittest.main()
