"""Expiry through redis-py: setting, reading and removing TTLs, and keys disappearing on time,
both when read (lazy expiry) and when nobody reads them (active expiry)."""

import time
import unittest

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class SetAndReadTtl(h.ServerTestCase):
    def test_ttl_and_pttl_of_missing_persistent_and_volatile_keys(self):
        self.assertEqual(self.r.ttl("missing"), -2)
        self.assertEqual(self.r.pttl("missing"), -2)
        self.r.set("p", "v")
        self.assertEqual(self.r.ttl("p"), -1)
        self.assertEqual(self.r.pttl("p"), -1)
        self.r.set("v", "v", ex=100)
        self.assertTrue(0 < self.r.ttl("v") <= 100)
        self.assertTrue(1000 < self.r.pttl("v") <= 100000, "PTTL is in milliseconds")

    def test_expire_and_pexpire(self):
        self.assertFalse(self.r.expire("missing", 10))
        self.r.set("k", "v")
        self.assertTrue(self.r.expire("k", 100))
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.assertTrue(self.r.pexpire("k", 200000))
        self.assertTrue(100000 < self.r.pttl("k") <= 200000)

    def test_expireat_and_pexpireat(self):
        now = int(time.time())
        self.r.set("k", "v")
        self.assertTrue(self.r.expireat("k", now + 100))
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.assertTrue(self.r.pexpireat("k", (now + 200) * 1000))
        self.assertTrue(100 < self.r.ttl("k") <= 200)
        self.assertFalse(self.r.expireat("missing", now + 100))

    def test_expiretime_and_pexpiretime_return_the_absolute_deadline(self):
        deadline = int(time.time()) + 1000
        self.r.set("k", "v")
        self.assertEqual(self.r.expiretime("k"), -1)
        self.assertEqual(self.r.pexpiretime("k"), -1)
        self.assertEqual(self.r.expiretime("missing"), -2)
        self.assertEqual(self.r.pexpiretime("missing"), -2)
        self.r.expireat("k", deadline)
        self.assertEqual(self.r.expiretime("k"), deadline)
        self.assertEqual(self.r.pexpiretime("k"), deadline * 1000)
        self.r.pexpireat("k", deadline * 1000 + 123)
        self.assertEqual(self.r.pexpiretime("k"), deadline * 1000 + 123)

    def test_persist_removes_the_ttl(self):
        self.r.set("k", "v", ex=100)
        self.assertTrue(self.r.persist("k"))
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertFalse(self.r.persist("k"), "no TTL to remove")
        self.assertFalse(self.r.persist("missing"))

    def test_an_expire_time_in_the_past_deletes_the_key(self):
        self.r.mset({"a": 1, "b": 2, "c": 3})
        self.assertTrue(self.r.expire("a", -1))
        self.assertTrue(self.r.pexpire("b", 0))
        self.assertTrue(self.r.expireat("c", int(time.time()) - 10))
        self.assertEqual(self.r.exists("a", "b", "c"), 0)

    def test_bad_expire_arguments_are_errors(self):
        self.r.set("k", "v")
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "EXPIRE", "k", "soon")
        self.assertError("invalid expire time in 'expire' command", self.r.execute_command,
                         "EXPIRE", "k", str(2**63 - 1))
        self.assertError("Unsupported option BOGUS", self.r.execute_command, "EXPIRE", "k", "10",
                         "BOGUS")
        self.assertEqual(self.r.ttl("k"), -1)


class ExpireConditions(h.ServerTestCase):
    """NX/XX/GT/LT (Redis 7): a key without a TTL counts as an infinite TTL for GT and LT."""

    def test_nx_sets_only_when_there_is_no_ttl(self):
        self.r.set("k", "v")
        self.assertTrue(self.r.expire("k", 100, nx=True))
        self.assertFalse(self.r.expire("k", 200, nx=True))
        self.assertTrue(0 < self.r.ttl("k") <= 100)

    def test_xx_sets_only_when_there_is_a_ttl(self):
        self.r.set("k", "v")
        self.assertFalse(self.r.expire("k", 100, xx=True))
        self.assertEqual(self.r.ttl("k"), -1)
        self.r.expire("k", 100)
        self.assertTrue(self.r.expire("k", 200, xx=True))
        self.assertTrue(100 < self.r.ttl("k") <= 200)

    def test_gt_only_extends_and_never_applies_to_a_persistent_key(self):
        self.r.set("k", "v")
        self.assertFalse(self.r.expire("k", 100, gt=True))
        self.assertEqual(self.r.ttl("k"), -1)
        self.r.expire("k", 100)
        self.assertFalse(self.r.expire("k", 50, gt=True))
        self.assertTrue(self.r.expire("k", 200, gt=True))
        self.assertTrue(100 < self.r.ttl("k") <= 200)

    def test_lt_only_shortens_and_always_applies_to_a_persistent_key(self):
        self.r.set("k", "v")
        self.assertTrue(self.r.expire("k", 100, lt=True))
        self.assertFalse(self.r.expire("k", 200, lt=True))
        self.assertTrue(self.r.expire("k", 50, lt=True))
        self.assertTrue(0 < self.r.ttl("k") <= 50)

    def test_the_conditions_work_on_pexpire_expireat_and_pexpireat(self):
        now = int(time.time())
        self.r.set("k", "v")
        self.assertTrue(self.r.pexpire("k", 100000, nx=True))
        self.assertFalse(self.r.expireat("k", now + 50, gt=True))
        self.assertTrue(self.r.pexpireat("k", (now + 50) * 1000, lt=True))
        self.assertTrue(self.r.expireat("k", now + 60, xx=True))
        self.assertEqual(self.r.expiretime("k"), now + 60)

    def test_incompatible_conditions_are_errors(self):
        self.r.set("k", "v")
        self.assertError("NX and XX, GT or LT options at the same time are not compatible",
                         self.r.execute_command, "EXPIRE", "k", "10", "NX", "XX")
        self.assertError("NX and XX, GT or LT options at the same time are not compatible",
                         self.r.execute_command, "PEXPIRE", "k", "10", "NX", "GT")
        self.assertError("GT and LT options at the same time are not compatible",
                         self.r.execute_command, "EXPIRE", "k", "10", "GT", "LT")


class KeysExpire(h.ServerTestCase):
    def test_a_key_with_px_100_is_gone_for_get_after_300_ms(self):
        self.r.set("k", "v", px=100)
        self.assertEqual(self.r.get("k"), b"v")
        time.sleep(0.3)
        self.assertIsNone(self.r.get("k"))
        self.assertEqual(self.r.exists("k"), 0)
        self.assertEqual(self.r.ttl("k"), -2)

    def test_an_expired_key_nobody_reads_leaves_dbsize_eventually(self):
        # Nothing touches the keys after SET: only active expiry can remove them from DBSIZE.
        self.r.set("k1", "v", px=100)
        self.r.set("k2", "v", px=100)
        self.r.set("stays", "v")
        h.wait_until(lambda: self.r.dbsize() == 1, timeout=10,
                     what="DBSIZE to drop the expired keys (active expiry)")
        self.assertEqual(self.r.keys("*"), [b"stays"])

    def test_expired_keys_are_invisible_to_mget_keys_and_scan(self):
        self.r.set("gone", "v", px=100)
        self.r.set("stays", "v")
        time.sleep(0.3)
        self.assertEqual(self.r.mget("gone", "stays"), [None, b"v"])
        self.assertEqual(self.r.keys("*"), [b"stays"])
        self.assertEqual(list(self.r.scan_iter()), [b"stays"])


if __name__ == "__main__":
    unittest.main()
