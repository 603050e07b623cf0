"""Tiered storage seen through redis-py (docs/tiered_storage.md): a warpd whose memory budget is
far below its data serves every value, keeps its heap near the budget, and loses nothing
acknowledged when it is killed with kill -9 while it demotes values or compacts its value log.

warpd only: Redis with maxmemory and noeviction refuses the writes these tests make.
"""

import os
import random
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
        self.assertLessEqual(warp["tier_memory_bytes"], warp["tier_memory_budget"] * 1.1)
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

    def test_kill_9_while_values_are_demoted_loses_no_acknowledged_write(self):
        server = self.start()
        r = self.client(server)
        keys = 3 * BUDGET // VALUE_SIZE
        self.write(r, keys)  # every SET acknowledged, most of them demoted on the way
        self.assertGreater(info_fields(r)["tier_demoted_to_cold"], 0)
        self.assertEqual(server.kill(), -9)
        server.start()
        r = self.client(server)
        self.assertEqual(r.dbsize(), keys)
        self.assert_all(r, keys)

    def test_kill_9_after_value_log_compaction_loses_no_acknowledged_write(self):
        server = self.start("tiers.cold.file_bytes=4MiB")
        r = self.client(server)
        keys = 2 * BUDGET // VALUE_SIZE
        for generation in range(4):  # each generation leaves the previous one's copies dead
            self.write(r, keys, generation)
        h.wait_until(lambda: info_fields(r)["value_log_files_compacted"] > 0, timeout=60,
                     what="a value-log file to be compacted")
        self.assert_all(r, keys, generation=3)
        self.assertEqual(server.kill(), -9)
        server.start()
        r = self.client(server)
        self.assert_all(r, keys, generation=3)


if __name__ == "__main__":
    unittest.main()
