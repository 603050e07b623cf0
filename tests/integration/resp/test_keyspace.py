"""Keyspace commands through redis-py: deleting, renaming, finding and iterating keys, and the
16 logical databases."""

import unittest

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class DeleteExistsType(h.ServerTestCase):
    def test_del_and_unlink_count_the_keys_they_removed(self):
        self.r.mset({"a": 1, "b": 2, "c": 3})
        self.assertEqual(self.r.delete("a", "b", "missing"), 2)
        self.assertEqual(self.r.unlink("c", "missing"), 1)
        self.assertEqual(self.r.delete("a"), 0)
        self.assertEqual(self.r.dbsize(), 0)

    def test_exists_counts_every_argument_including_repeats(self):
        self.r.set("a", 1)
        self.assertEqual(self.r.exists("a"), 1)
        self.assertEqual(self.r.exists("a", "a", "missing"), 2)
        self.assertEqual(self.r.exists("missing"), 0)

    def test_type_of_a_string_and_of_a_missing_key(self):
        self.r.set("a", 1)
        self.assertEqual(self.r.type("a"), b"string")
        self.assertEqual(self.r.type("missing"), b"none")

    def test_touch_counts_existing_keys(self):
        self.r.mset({"a": 1, "b": 2})
        self.assertEqual(self.r.touch("a", "b", "missing"), 2)


class Rename(h.ServerTestCase):
    def test_rename_moves_the_value_and_ttl_and_overwrites_the_target(self):
        self.r.set("src", "v", ex=100)
        self.r.set("dst", "old")
        self.assertTrue(self.r.rename("src", "dst"))
        self.assertEqual(self.r.get("dst"), b"v")
        self.assertTrue(0 < self.r.ttl("dst") <= 100)
        self.assertEqual(self.r.exists("src"), 0)

    def test_rename_of_a_missing_key_is_an_error(self):
        self.assertError("no such key", self.r.rename, "missing", "x")
        self.assertError("no such key", self.r.renamenx, "missing", "x")

    def test_rename_to_itself_is_ok(self):
        self.r.set("k", "v")
        self.assertTrue(self.r.rename("k", "k"))
        self.assertEqual(self.r.get("k"), b"v")

    def test_renamenx_does_not_overwrite(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertFalse(self.r.renamenx("a", "b"))
        self.assertEqual(self.r.mget("a", "b"), [b"1", b"2"])
        self.assertTrue(self.r.renamenx("a", "c"))
        self.assertEqual(self.r.mget("a", "c"), [None, b"1"])


class Keys(h.ServerTestCase):
    def test_keys_matches_glob_patterns(self):
        self.r.mset({"hello": 1, "hallo": 1, "hxllo": 1, "hllo": 1, "heeeello": 1,
                     "h*llo": 1, "other": 1})
        self.assertEqual(set(self.r.keys("*")),
                         {b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo",
                          b"other"})
        self.assertEqual(set(self.r.keys("h?llo")), {b"hello", b"hallo", b"hxllo", b"h*llo"})
        self.assertEqual(set(self.r.keys("h*llo")),
                         {b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo"})
        self.assertEqual(set(self.r.keys("h[ae]llo")), {b"hello", b"hallo"})
        self.assertEqual(set(self.r.keys("h[^e]llo")), {b"hallo", b"hxllo", b"h*llo"})
        self.assertEqual(set(self.r.keys("h[a-b]llo")), {b"hallo"})
        self.assertEqual(set(self.r.keys(r"h\*llo")), {b"h*llo"})
        self.assertEqual(self.r.keys("nothing*"), [])


class Scan(h.ServerTestCase):
    def _scan_all(self, **kwargs):
        """Iterates SCAN to cursor 0 by hand; returns every key returned, in order, repeats
        included."""
        seen, cursor, calls = [], 0, 0
        while True:
            cursor, keys = self.r.scan(cursor=cursor, **kwargs)
            seen.extend(keys)
            calls += 1
            self.assertLess(calls, 100000, "SCAN never returned cursor 0")
            if cursor == 0:
                return seen

    def test_scan_returns_every_key_exactly_once(self):
        keys = {f"key:{i}".encode() for i in range(1000)}
        self.r.mset({k: b"v" for k in keys})
        seen = self._scan_all(count=10)
        self.assertEqual(len(seen), len(set(seen)), "a key came back twice")
        self.assertEqual(set(seen), keys)

    def test_scan_with_match_returns_exactly_the_matching_keys_once(self):
        self.r.mset({f"user:{i}": i for i in range(300)})
        self.r.mset({f"item:{i}": i for i in range(300)})
        seen = self._scan_all(match="user:*", count=20)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(set(seen), {f"user:{i}".encode() for i in range(300)})

    def test_scan_with_type_filters_by_type(self):
        self.r.mset({f"s:{i}": i for i in range(50)})
        self.assertEqual(set(self._scan_all(_type="string")),
                         {f"s:{i}".encode() for i in range(50)})
        self.assertEqual(self._scan_all(_type="hash"), [])

    def test_scan_iter_of_redis_py_sees_every_key(self):
        self.r.mset({f"k{i}": i for i in range(500)})
        self.assertEqual(sorted(self.r.scan_iter(count=7)),
                         sorted(f"k{i}".encode() for i in range(500)))

    def test_scan_of_an_empty_database_returns_cursor_0(self):
        self.assertEqual(self.r.scan(0), (0, []))

    def test_scan_rejects_a_bad_cursor_and_bad_options(self):
        self.assertError("invalid cursor", self.r.execute_command, "SCAN", "abc")
        self.assertError("syntax error", self.r.execute_command, "SCAN", "0", "COUNT", "0")
        self.assertError("syntax error", self.r.execute_command, "SCAN", "0", "BOGUS")
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "SCAN", "0", "COUNT", "many")


class RandomCopyMove(h.ServerTestCase):
    def test_randomkey_of_an_empty_database_is_none(self):
        self.assertIsNone(self.r.randomkey())

    def test_randomkey_returns_an_existing_key(self):
        keys = {f"k{i}".encode() for i in range(20)}
        self.r.mset({k: 1 for k in keys})
        for _ in range(20):
            self.assertIn(self.r.randomkey(), keys)

    def test_copy_to_a_new_key_with_its_ttl_and_replace(self):
        self.r.set("src", "v", ex=100)
        self.assertTrue(self.r.copy("src", "dst"))
        self.assertEqual(self.r.get("dst"), b"v")
        self.assertTrue(0 < self.r.ttl("dst") <= 100)
        self.r.set("src", "v2")
        self.assertFalse(self.r.copy("src", "dst"))
        self.assertEqual(self.r.get("dst"), b"v")
        self.assertTrue(self.r.copy("src", "dst", replace=True))
        self.assertEqual(self.r.get("dst"), b"v2")
        self.assertFalse(self.r.copy("missing", "x"))
        self.assertError("source and destination objects are the same", self.r.copy, "src",
                         "src")

    def test_copy_to_another_database(self):
        self.r.set("src", "v")
        self.assertTrue(self.r.copy("src", "dst", destination_db=3))
        self.assertEqual(self.client(db=3).get("dst"), b"v")
        self.assertIsNone(self.r.get("dst"))
        self.assertError("DB index is out of range", self.r.copy, "src", "dst",
                         destination_db=16)

    def test_move_to_another_database(self):
        db1 = self.client(db=1)
        self.r.set("k", "v", ex=100)
        self.assertTrue(self.r.move("k", 1))
        self.assertEqual(self.r.exists("k"), 0)
        self.assertEqual(db1.get("k"), b"v")
        self.assertTrue(0 < db1.ttl("k") <= 100)
        self.assertFalse(self.r.move("missing", 1))
        self.r.set("k", "again")
        self.assertFalse(self.r.move("k", 1), "the target database already has the key")
        self.assertEqual(self.r.get("k"), b"again")
        self.assertError("source and destination objects are the same", self.r.move, "k", 0)
        self.assertError("DB index is out of range", self.r.move, "k", 16)


class Databases(h.ServerTestCase):
    def test_select_isolates_databases(self):
        db0, db1, db15 = self.r, self.client(db=1), self.client(db=15)
        db0.set("k", "zero")
        db1.set("k", "one")
        self.assertEqual(db0.get("k"), b"zero")
        self.assertEqual(db1.get("k"), b"one")
        self.assertIsNone(db15.get("k"))
        self.assertEqual(db1.dbsize(), 1)
        self.assertEqual(db15.dbsize(), 0)
        self.assertEqual(db1.keys("*"), [b"k"])
        self.assertEqual(db15.scan(0), (0, []))

    def test_select_on_one_connection_switches_its_database(self):
        raw = self.raw()
        self.assertEqual(raw.command("SET", "k", "zero"), "OK")
        self.assertEqual(raw.command("SELECT", "5"), "OK")
        self.assertIsNone(raw.command("GET", "k"))
        self.assertEqual(raw.command("SET", "k", "five"), "OK")
        self.assertEqual(raw.command("SELECT", "0"), "OK")
        self.assertEqual(raw.command("GET", "k"), b"zero")

    def test_dbsize_flushdb_and_flushall(self):
        db0, db1 = self.r, self.client(db=1)
        db0.mset({"a": 1, "b": 2})
        db1.mset({"a": 1, "b": 2, "c": 3})
        self.assertEqual((db0.dbsize(), db1.dbsize()), (2, 3))
        self.assertTrue(db1.flushdb())
        self.assertEqual((db0.dbsize(), db1.dbsize()), (2, 0), "FLUSHDB empties only its db")
        db1.set("c", 3)
        self.assertTrue(db0.flushall())
        self.assertEqual((db0.dbsize(), db1.dbsize()), (0, 0), "FLUSHALL empties every db")

    def test_flushdb_and_flushall_accept_sync_and_async(self):
        self.r.set("a", 1)
        self.assertTrue(self.r.flushdb(asynchronous=True))
        self.r.set("a", 1)
        self.assertTrue(self.r.execute_command("FLUSHDB", "SYNC"))
        self.r.set("a", 1)
        self.assertTrue(self.r.flushall(asynchronous=True))
        self.assertEqual(self.r.dbsize(), 0)
        self.assertError("syntax error", self.r.execute_command, "FLUSHDB", "BOGUS")


if __name__ == "__main__":
    unittest.main()
