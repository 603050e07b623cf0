"""Durability across restarts, seen through redis-py: after SIGTERM and after kill -9, every
acknowledged write is back, with its TTL.

warpd only: the reference redis-server of this suite runs without persistence. To check the tests
themselves against Redis, run them with WARP_TEST_SERVER=redis WARP_TEST_REDIS_DURABLE=1, which
starts redis-server with appendonly yes / appendfsync always instead of skipping.
"""

import os
import threading
import time
import unittest

import redis

import server_harness as h

RUNS = h.IS_WARPD or h.redis_durable_validation()
SKIP_REASON = ("warpd only: persistence across restarts (redis-server runs here without "
               "persistence; set WARP_TEST_REDIS_DURABLE=1 to run these against Redis with AOF)")


@unittest.skipUnless(RUNS, SKIP_REASON)
class Durability(unittest.TestCase):
    def start(self, **kwargs):
        server = h.Server(durable=True, **kwargs).start()

        def finish():
            server.stop()
            server.cleanup()
        self.addCleanup(finish)
        return server

    def client(self, server, db=0):
        c = server.client(db=db)
        self.addCleanup(c.close)
        return c

    def test_values_ttls_and_deletes_survive_a_clean_restart(self):
        server = self.start()
        r = self.client(server)
        big = os.urandom(1 << 20)
        binary_key = b"bin\x00\r\n\xff"
        r.set("plain", "v")
        r.set("ttl", "v", ex=1000)
        r.set("pttl", "v", px=500000)
        r.set("persisted", "v", ex=1000)
        r.persist("persisted")
        r.set("overwritten", "old")
        r.set("overwritten", "new")
        r.set("deleted", "v")
        r.delete("deleted")
        r.set(binary_key, b"\x00\x01\x02")
        r.set("big", big)
        for _ in range(42):
            r.incr("counter")
        self.client(server, db=3).set("in-db-3", "three")
        deadlines = {k: r.pexpiretime(k) for k in ("ttl", "pttl")}
        size = r.dbsize()

        self.assertEqual(server.restart(), 0, "clean exit on SIGTERM")
        r = self.client(server)
        self.assertEqual(r.get("plain"), b"v")
        self.assertEqual(r.ttl("plain"), -1)
        for key, deadline in deadlines.items():
            self.assertEqual(r.get(key), b"v")
            self.assertEqual(r.pexpiretime(key), deadline, f"{key}: the same absolute deadline")
        self.assertEqual(r.ttl("persisted"), -1)
        self.assertEqual(r.get("overwritten"), b"new")
        self.assertIsNone(r.get("deleted"))
        self.assertEqual(r.get(binary_key), b"\x00\x01\x02")
        self.assertEqual(r.get("big"), big)
        self.assertEqual(r.get("counter"), b"42")
        self.assertEqual(self.client(server, db=3).get("in-db-3"), b"three")
        self.assertEqual(r.dbsize(), size)

    def test_keys_that_expire_while_the_server_is_down_stay_gone(self):
        server = self.start()
        r = self.client(server)
        r.set("short", "v", px=300)
        r.set("long", "v", ex=1000)
        deadline_ms = r.pexpiretime("short")
        self.assertEqual(server.restart(), 0)
        r = self.client(server)
        time.sleep(max(0.0, deadline_ms / 1000 - time.time() + 0.05))
        self.assertIsNone(r.get("short"))
        self.assertEqual(r.get("long"), b"v")
        h.wait_until(lambda: r.dbsize() == 1, timeout=10, what="DBSIZE to drop the expired key")

    def _acknowledged_writes_then_kill_9(self, server, n):
        """n sequential SETs (every tenth deleted again), 1000 pipelined SETs, n/20 SETs with a
        TTL and n/4 INCRs, each acknowledged, then kill -9 and a restart on the same data."""
        r = self.client(server)
        for i in range(n):
            self.assertTrue(r.set(f"seq:{i}", f"value-{i}"))
        pipe = r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"pipe:{i}", f"value-{i}")
        self.assertEqual(pipe.execute(), [True] * 1000)
        for i in range(n // 20):
            r.set(f"ttl:{i}", "v", ex=1000)
        for i in range(0, n, 10):
            r.delete(f"seq:{i}")
        for _ in range(n // 4):
            r.incr("counter")
        self.assertTrue(r.set("last", "acknowledged"))
        self.assertEqual(server.kill(), -9)
        server.start()
        r = self.client(server)
        seq = r.mget([f"seq:{i}" for i in range(n)])
        for i, value in enumerate(seq):
            self.assertEqual(value, None if i % 10 == 0 else f"value-{i}".encode(), f"seq:{i}")
        self.assertEqual(r.mget([f"pipe:{i}" for i in range(1000)]),
                         [f"value-{i}".encode() for i in range(1000)])
        for i in range(n // 20):
            self.assertTrue(0 < r.ttl(f"ttl:{i}") <= 1000, f"ttl:{i}")
        self.assertEqual(r.get("counter"), str(n // 4).encode())
        self.assertEqual(r.get("last"), b"acknowledged")
        self.assertEqual(r.dbsize(), n - n // 10 + 1000 + n // 20 + 2)

    def test_every_acknowledged_write_survives_kill_9(self):
        self._acknowledged_writes_then_kill_9(self.start(), n=2000)

    def test_every_acknowledged_write_survives_kill_9_with_fsync_always(self):
        # Fewer sequential writes: each waits for an fsync.
        self._acknowledged_writes_then_kill_9(self.start(warpd_set=["wal.fsync=always"]), n=400)

    def test_kill_9_while_four_clients_write_keeps_every_acknowledged_write(self):
        server = self.start()
        acked = [[] for _ in range(4)]
        errors = []

        def writer(w):
            client = server.client(single_connection_client=True)
            try:
                for i in range(10 ** 9):
                    client.set(f"w{w}:{i}", f"{w}-{i}")
                    acked[w].append(i)  # only after the reply
            except (redis.ConnectionError, redis.TimeoutError, ConnectionError):
                pass  # the kill; whatever was in flight is not acknowledged
            except Exception as e:
                errors.append(repr(e))
            finally:
                client.close()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        h.wait_until(lambda: all(len(a) >= 300 for a in acked) or errors, timeout=60,
                     what="each writer to have 300 acknowledged SETs")
        self.assertEqual(server.kill(), -9)
        for t in threads:
            t.join(30)
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertEqual(errors, [])
        server.start()
        r = self.client(server)
        for w, done in enumerate(acked):
            values = r.mget([f"w{w}:{i}" for i in done])
            missing = [i for i, v in zip(done, values) if v != f"{w}-{i}".encode()]
            self.assertEqual(missing, [], f"writer {w}: acknowledged keys lost or wrong")


if __name__ == "__main__":
    unittest.main()
