"""Tiered storage seen through redis-py (docs/tiered_storage.md): a warpd whose memory budget is
far below its data serves every value, keeps its heap near the budget, and loses nothing
acknowledged when it is killed with kill -9 while it demotes values or compacts its value log.

warpd only: Redis with maxmemory and noeviction refuses the writes these tests make.
"""

import random
import threading
import unittest

import server_harness as h

BUDGET = 16 << 20  # memory.max_bytes of these tests
VALUE_SIZE = 1024


def value_of(i, generation=0):
    """A deterministic value: a quarter compressible (warm), the rest random bytes (cold)."""
    rng = random.Random(i * 1000003 + generation)
    if i % 4 == 0:
        phrase = b"the quick brown fox jumps over the lazy dog %d " % generation
        return (phrase * (VALUE_SIZE // len(phrase) + 1))[:VALUE_SIZE]
    return rng.randbytes(VALUE_SIZE)


def rss_anon_bytes(pid):
    """Anonymous resident memory of a process (its heap and stacks, not mapped files)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon in /proc/PID/status")


def info_fields(client):
    return client.info("warp")


@h.warpd_only("tiered storage: Redis with maxmemory refuses these writes")
class Tiers(unittest.TestCase):
    def start(self, *settings):
        server = h.Server(warpd_set=[f"memory.max_bytes={BUDGET}", "shards=2",
                                     "stats_interval_ms=100", *settings]).start()

        def finish():
            server.stop()
            server.cleanup()
        self.addCleanup(finish)
        return server

    def client(self, server):
        c = server.client()
        self.addCleanup(c.close)
        return c

    def write(self, r, keys, generation=0, batch=500):
        for start in range(0, keys, batch):
            pipe = r.pipeline(transaction=False)
            for i in range(start, min(keys, start + batch)):
                pipe.set(f"key:{i}", value_of(i, generation))
            self.assertTrue(all(pipe.execute()))

    def assert_all(self, r, keys, generation=0):
        wrong = []
        for start in range(0, keys, 1000):
            names = [f"key:{i}" for i in range(start, min(keys, start + 1000))]
            for i, got in zip(range(start, start + len(names)), r.mget(names)):
                if got != value_of(i, generation):
                    wrong.append(i)
        self.assertEqual(wrong, [], "keys whose value did not read back")

    def test_five_times_the_budget_reads_back_and_the_heap_stays_near_the_budget(self):
        server = self.start()
        r = self.client(server)
        keys = 5 * BUDGET // VALUE_SIZE
        self.write(r, keys)
        self.assertEqual(r.dbsize(), keys)
        self.assert_all(r, keys)
        warp = info_fields(r)
        self.assertGreater(warp["tier_cold_keys"], 0)
        self.assertGreater(warp["tier_warm_keys"], 0)
        self.assertLessEqual(warp["tier_hot_bytes"] + warp["tier_warm_bytes"],
                             warp["tier_memory_budget"] * 1.1)
        # The stated overhead (docs/tiered_storage.md): the budget, plus 64 MiB for the process
        # (threads, buffers, allocator free lists) and half the budget for allocator slack.
        rss = rss_anon_bytes(server.pid)
        self.assertLess(rss, BUDGET + (64 << 20) + BUDGET // 2,
                        f"RssAnon {rss >> 20} MiB for a {BUDGET >> 20} MiB budget")

    def test_config_set_maxmemory_demotes_at_once_and_config_get_reads_it_back(self):
        server = h.Server(warpd_set=["shards=2"]).start()
        self.addCleanup(lambda: (server.stop(), server.cleanup()))
        r = self.client(server)
        self.write(r, 8000)
        self.assertEqual(info_fields(r)["tier_cold_keys"], 0)
        self.assertTrue(r.config_set("maxmemory", "4mb"))
        self.assertEqual(r.config_get("maxmemory"), {"maxmemory": str(4 << 20)})
        self.assertGreater(info_fields(r)["tier_cold_keys"], 0)
        self.assert_all(r, 8000)
        with self.assertRaises(Exception) as refused:
            r.config_set("maxmemory", "lots")
        self.assertIn("memory value", str(refused.exception))

    def _write_until_killed(self, server, keys, generations, kill_when):
        """A client thread SETs key:0..keys-1 for each generation in turn, in pipelines of 200,
        and records what was acknowledged; the test thread kill -9s the server as soon as
        kill_when(info) holds (polled through a second connection) while the writer is still
        writing. Returns (acked, in_flight): the generation acknowledged last for each key, and
        the keys and generation of the batch that was in flight when the server died."""
        acked = {}
        in_flight = {}
        done = threading.Event()

        def writer():
            w = server.client()
            try:
                for generation in range(generations):
                    for start in range(0, keys, 200):
                        batch = range(start, min(keys, start + 200))
                        in_flight.clear()
                        in_flight.update({i: generation for i in batch})
                        pipe = w.pipeline(transaction=False)
                        for i in batch:
                            pipe.set(f"key:{i}", value_of(i, generation))
                        pipe.execute()
                        for i in batch:
                            acked[i] = generation
                        in_flight.clear()
            except Exception:
                pass  # the kill: the batch in flight is not acknowledged
            finally:
                done.set()
                w.close()

        thread = threading.Thread(target=writer)
        thread.start()
        watcher = self.client(server)
        h.wait_until(lambda: done.is_set() or kill_when(info_fields(watcher)), timeout=90,
                     what="the condition to kill at")
        self.assertFalse(done.is_set(), "the writer finished before the kill: nothing to test")
        self.assertEqual(server.kill(), -9)
        thread.join(timeout=30)
        return acked, dict(in_flight)

    def _assert_acknowledged(self, server, keys, acked, in_flight):
        server.start()
        r = self.client(server)
        lost = []
        for start in range(0, keys, 1000):
            names = [f"key:{i}" for i in range(start, min(keys, start + 1000))]
            for i, got in zip(range(start, start + len(names)), r.mget(names)):
                allowed = []
                if i in acked:
                    allowed.append(value_of(i, acked[i]))
                elif i not in in_flight:
                    allowed.append(None)
                if i in in_flight:
                    allowed.append(value_of(i, in_flight[i]))
                    if i not in acked:
                        allowed.append(None)
                if got not in allowed:
                    lost.append(i)
        self.assertEqual(lost, [], "acknowledged writes lost (or unexplained values)")
        self.assertGreater(len(acked), 0)

    def test_kill_9_while_values_are_demoted_loses_no_acknowledged_write(self):
        server = self.start()
        keys = 3 * BUDGET // VALUE_SIZE
        acked, in_flight = self._write_until_killed(
            server, keys, generations=1,
            kill_when=lambda info: info["tier_demoted_to_cold"] > 2000)
        self._assert_acknowledged(server, keys, acked, in_flight)

    def test_kill_9_while_the_value_log_is_compacted_loses_no_acknowledged_write(self):
        server = self.start("tiers.cold.file_bytes=4MiB")
        keys = 2 * BUDGET // VALUE_SIZE
        acked, in_flight = self._write_until_killed(
            server, keys, generations=20,
            kill_when=lambda info: info["value_log_files_compacted"] > 0)
        self._assert_acknowledged(server, keys, acked, in_flight)

if __name__ == "__main__":
    unittest.main()
