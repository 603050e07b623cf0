"""String commands through redis-py: what an application using GET/SET/INCR sees."""

import time
import unittest

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class SetOptions(h.ServerTestCase):
    def test_set_and_get_round_trip_and_a_missing_key_is_none(self):
        self.assertIs(self.r.set("k", "v"), True)
        self.assertEqual(self.r.get("k"), b"v")
        self.assertIsNone(self.r.get("missing"))

    def test_set_with_ex_and_px_gives_the_key_a_ttl(self):
        self.r.set("ex", "v", ex=100)
        self.assertTrue(0 < self.r.ttl("ex") <= 100)
        self.r.set("px", "v", px=50000)
        self.assertTrue(0 < self.r.pttl("px") <= 50000)

    def test_set_with_exat_and_pxat_sets_an_absolute_deadline(self):
        now = int(time.time())
        self.r.set("exat", "v", exat=now + 100)
        self.assertTrue(0 < self.r.ttl("exat") <= 100)
        self.r.set("pxat", "v", pxat=(now + 100) * 1000)
        self.assertTrue(0 < self.r.pttl("pxat") <= 100000)

    def test_set_nx_writes_only_a_missing_key(self):
        self.assertTrue(self.r.set("k", "first", nx=True))
        self.assertIsNone(self.r.set("k", "second", nx=True))
        self.assertEqual(self.r.get("k"), b"first")

    def test_set_xx_writes_only_an_existing_key(self):
        self.assertIsNone(self.r.set("k", "v", xx=True))
        self.assertEqual(self.r.exists("k"), 0)
        self.r.set("k", "old")
        self.assertTrue(self.r.set("k", "new", xx=True))
        self.assertEqual(self.r.get("k"), b"new")

    def test_plain_set_clears_the_ttl_and_keepttl_keeps_it(self):
        self.r.set("k", "v", ex=100)
        self.r.set("k", "v2", keepttl=True)
        self.assertEqual(self.r.get("k"), b"v2")
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.r.set("k", "v3")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_set_get_returns_the_old_value(self):
        self.assertIsNone(self.r.set("k", "v1", get=True))
        self.assertEqual(self.r.set("k", "v2", get=True), b"v1")
        self.assertEqual(self.r.get("k"), b"v2")

    def test_set_rejects_bad_option_combinations_and_expire_times(self):
        self.assertError("syntax error", self.r.execute_command, "SET", "k", "v", "NX", "XX")
        self.assertError("syntax error", self.r.execute_command, "SET", "k", "v", "EX", "10",
                         "PX", "10")
        self.assertError("syntax error", self.r.execute_command, "SET", "k", "v", "KEEPTTL",
                         "EX", "10")
        self.assertError("syntax error", self.r.execute_command, "SET", "k", "v", "BOGUS")
        for bad in ("0", "-5"):
            self.assertError("invalid expire time in 'set' command", self.r.execute_command,
                             "SET", "k", "v", "EX", bad)
        self.assertError("invalid expire time in 'set' command", self.r.execute_command,
                         "SET", "k", "v", "PX", "0")
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "SET", "k", "v", "EX", "soon")
        self.assertEqual(self.r.exists("k"), 0)


class SetVariants(h.ServerTestCase):
    def test_setnx(self):
        self.assertTrue(self.r.setnx("k", "a"))
        self.assertFalse(self.r.setnx("k", "b"))
        self.assertEqual(self.r.get("k"), b"a")

    def test_setex_and_psetex(self):
        self.assertTrue(self.r.setex("k", 100, "v"))
        self.assertEqual(self.r.get("k"), b"v")
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.assertTrue(self.r.psetex("p", 100000, "v"))
        self.assertTrue(0 < self.r.pttl("p") <= 100000)
        self.assertError("invalid expire time in 'setex' command", self.r.setex, "k", 0, "v")
        self.assertError("invalid expire time in 'psetex' command", self.r.psetex, "k", -1, "v")

    def test_getset_returns_the_old_value_and_clears_the_ttl(self):
        self.assertIsNone(self.r.getset("k", "a"))
        self.r.expire("k", 100)
        self.assertEqual(self.r.getset("k", "b"), b"a")
        self.assertEqual(self.r.get("k"), b"b")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_getdel_returns_the_value_and_deletes_the_key(self):
        self.r.set("k", "v")
        self.assertEqual(self.r.getdel("k"), b"v")
        self.assertEqual(self.r.exists("k"), 0)
        self.assertIsNone(self.r.getdel("k"))

    def test_getex_sets_or_removes_the_ttl(self):
        self.assertIsNone(self.r.getex("missing", ex=10))
        self.r.set("k", "v")
        self.assertEqual(self.r.getex("k"), b"v")
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertEqual(self.r.getex("k", ex=100), b"v")
        self.assertTrue(0 < self.r.ttl("k") <= 100)
        self.assertEqual(self.r.getex("k", px=50000), b"v")
        self.assertTrue(0 < self.r.pttl("k") <= 50000)
        self.assertEqual(self.r.getex("k", exat=int(time.time()) + 200), b"v")
        self.assertTrue(100 < self.r.ttl("k") <= 200)
        self.assertEqual(self.r.getex("k", persist=True), b"v")
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertError("invalid expire time in 'getex' command", self.r.execute_command,
                         "GETEX", "k", "EX", "0")
        self.assertError("syntax error", self.r.execute_command, "GETEX", "k", "PERSIST", "EX",
                         "1")


class MultiKey(h.ServerTestCase):
    def test_mset_and_mget_with_a_missing_key(self):
        self.assertTrue(self.r.mset({"a": "1", "b": "2", "c": "3"}))
        self.assertEqual(self.r.mget("a", "missing", "c", "b"), [b"1", None, b"3", b"2"])

    def test_msetnx_is_all_or_nothing(self):
        self.assertTrue(self.r.msetnx({"a": "1", "b": "2"}))
        self.assertFalse(self.r.msetnx({"b": "x", "c": "3"}))
        self.assertEqual(self.r.mget("a", "b", "c"), [b"1", b"2", None])

    def test_mset_with_an_odd_number_of_arguments_is_an_arity_error(self):
        self.assertError("wrong number of arguments for 'mset' command", self.r.execute_command,
                         "MSET", "a", "1", "b")
        self.assertError("wrong number of arguments for 'msetnx' command",
                         self.r.execute_command, "MSETNX", "a")


class Substrings(h.ServerTestCase):
    def test_append_and_strlen(self):
        self.assertEqual(self.r.append("k", "Hello"), 5)
        self.assertEqual(self.r.append("k", " World"), 11)
        self.assertEqual(self.r.get("k"), b"Hello World")
        self.assertEqual(self.r.strlen("k"), 11)
        self.assertEqual(self.r.strlen("missing"), 0)

    def test_getrange_with_negative_and_out_of_range_indexes(self):
        self.r.set("k", "This is a string")
        self.assertEqual(self.r.getrange("k", 0, 3), b"This")
        self.assertEqual(self.r.getrange("k", -3, -1), b"ing")
        self.assertEqual(self.r.getrange("k", 0, -1), b"This is a string")
        self.assertEqual(self.r.getrange("k", 10, 100), b"string")
        self.assertEqual(self.r.getrange("k", 5, 2), b"")
        self.assertEqual(self.r.getrange("missing", 0, -1), b"")

    def test_setrange_overwrites_and_pads_with_zero_bytes(self):
        self.r.set("k", "Hello World")
        self.assertEqual(self.r.setrange("k", 6, "Redis"), 11)
        self.assertEqual(self.r.get("k"), b"Hello Redis")
        self.assertEqual(self.r.setrange("pad", 5, "x"), 6)
        self.assertEqual(self.r.get("pad"), b"\x00\x00\x00\x00\x00x")

    def test_setrange_rejects_a_negative_or_too_large_offset(self):
        self.assertError("offset is out of range", self.r.setrange, "k", -1, "x")
        self.assertError("string exceeds maximum allowed size (proto-max-bulk-len)",
                         self.r.setrange, "k", 512 * 1024 * 1024, "x")
        self.assertEqual(self.r.exists("k"), 0)


class Counters(h.ServerTestCase):
    def test_incr_decr_incrby_decrby(self):
        self.assertEqual(self.r.incr("n"), 1)
        self.assertEqual(self.r.incrby("n", 10), 11)
        self.assertEqual(self.r.decr("n"), 10)
        self.assertEqual(self.r.decrby("n", 15), -5)
        self.assertEqual(self.r.get("n"), b"-5")
        self.r.set("n", "100", ex=100)
        self.assertEqual(self.r.incr("n"), 101)
        self.assertTrue(0 < self.r.ttl("n") <= 100, "INCR keeps the TTL")

    def test_incr_of_a_non_integer_value_or_increment_is_an_error(self):
        self.r.set("s", "abc")
        self.assertError("value is not an integer or out of range", self.r.incr, "s")
        self.r.set("f", "1.5")
        self.assertError("value is not an integer or out of range", self.r.incr, "f")
        self.r.set("sp", " 1")
        self.assertError("value is not an integer or out of range", self.r.incr, "sp")
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "INCRBY", "n", "1.5")
        self.assertEqual(self.r.get("s"), b"abc")

    def test_incr_overflow_is_an_error_and_leaves_the_value(self):
        self.r.set("big", str(2**63 - 1))
        self.assertError("increment or decrement would overflow", self.r.incr, "big")
        self.assertError("increment or decrement would overflow", self.r.decrby, "big", -1)
        self.r.set("small", str(-(2**63)))
        self.assertError("increment or decrement would overflow", self.r.decr, "small")
        self.assertEqual(self.r.get("big"), str(2**63 - 1).encode())

    def test_incrbyfloat_returns_the_shortest_decimal_text(self):
        self.r.set("f", "10.50")
        self.assertEqual(self.r.execute_command("INCRBYFLOAT", "f", "0.1"), 10.6)
        self.assertEqual(self.r.get("f"), b"10.6")
        self.assertEqual(self.r.incrbyfloat("f", -5), 5.6)
        self.r.set("i", "3")
        self.r.incrbyfloat("i", "2.0")
        self.assertEqual(self.r.get("i"), b"5", "no trailing '.0' or zeros")
        self.r.incrbyfloat("e", "5.0e3")
        self.assertEqual(self.r.get("e"), b"5000")

    def test_incrbyfloat_errors(self):
        self.r.set("s", "abc")
        self.assertError("value is not a valid float", self.r.incrbyfloat, "s", 1)
        self.assertError("value is not a valid float", self.r.execute_command, "INCRBYFLOAT",
                         "n", "abc")
        self.r.set("one", "1")
        self.assertError("increment would produce NaN or Infinity", self.r.execute_command,
                         "INCRBYFLOAT", "one", "inf")
        self.assertEqual(self.r.get("one"), b"1")


if __name__ == "__main__":
    unittest.main()
