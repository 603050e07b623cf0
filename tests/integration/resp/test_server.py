"""Server commands: INFO (as redis-py parses it), CONFIG GET, TIME, LASTSAVE, SAVE, DBSIZE."""

import time
import unittest

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class Info(h.ServerTestCase):
    def test_info_has_the_fields_clients_read(self):
        info = self.r.info()
        self.assertRegex(info["redis_version"], r"^\d+\.\d+\.\d+$",
                         "x.y.z: redis-py keeps it a string, clients compare it as a version")
        for field in ("used_memory", "connected_clients", "keyspace_hits", "keyspace_misses",
                      "aof_enabled", "uptime_in_seconds", "tcp_port", "total_commands_processed"):
            self.assertIsInstance(info[field], int, field)
        self.assertGreater(info["used_memory"], 0)
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertIn(info["aof_enabled"], (0, 1))
        self.assertEqual(info["tcp_port"], self.s.port)
        self.assertEqual(info["redis_mode"], "standalone")
        self.assertEqual(info["role"], "master")

    def test_info_lines_end_with_crlf_and_sections_start_with_a_hash(self):
        raw = self.raw()
        text = raw.command("INFO")
        self.assertEqual(raw.last_type, b"$")
        self.assertNotIn(b"\n", text.replace(b"\r\n", b""), "every line ends with CRLF")
        for line in text.decode().split("\r\n"):
            if line:
                self.assertRegex(line, r"^(# \w+|[A-Za-z0-9_-]+:.*)$", "'# Section' or 'key:value'")

    def test_keyspace_line_counts_keys_and_expires_per_database(self):
        self.r.mset({"a": 1, "b": 2, "c": 3})
        self.r.expire("c", 1000)
        self.client(db=3).set("x", 1)
        info = self.r.info()
        self.assertEqual(info["db0"]["keys"], 3)
        self.assertEqual(info["db0"]["expires"], 1)
        self.assertIn("avg_ttl", info["db0"])
        self.assertEqual(info["db3"]["keys"], 1)
        self.assertNotIn("db1", info, "an empty database has no line")
        raw = self.raw().command("INFO", "keyspace").decode()
        self.assertTrue(raw.startswith("# Keyspace\r\n"), raw)
        self.assertRegex(raw, r"\r\ndb0:keys=3,expires=1,avg_ttl=\d+\r\n")
        self.assertRegex(raw, r"\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n")

    def test_keyspace_hits_and_misses_count_reads(self):
        self.r.set("k", "v")
        before = self.r.info("stats")
        self.r.get("k")
        self.r.get("missing")
        self.r.get("missing2")
        after = self.r.info("stats")
        self.assertEqual(after["keyspace_hits"] - before["keyspace_hits"], 1)
        self.assertEqual(after["keyspace_misses"] - before["keyspace_misses"], 2)

    def test_connected_clients_counts_open_connections(self):
        before = self.r.info("clients")["connected_clients"]
        extra = [self.raw() for _ in range(3)]
        for conn in extra:
            conn.command("PING")
        self.assertEqual(self.r.info("clients")["connected_clients"], before + 3)

    def test_info_with_a_section_returns_only_that_section(self):
        server = self.raw().command("INFO", "server").decode()
        self.assertTrue(server.startswith("# Server\r\n"), server[:40])
        self.assertIn("redis_version:", server)
        self.assertNotIn("# Clients", server)
        self.assertNotIn("connected_clients:", server)
        for section, field in (("clients", "connected_clients"), ("memory", "used_memory"),
                               ("stats", "keyspace_hits"), ("persistence", "aof_enabled")):
            info = self.r.info(section)
            self.assertIn(field, info, section)
            self.assertNotIn("redis_version", info, section)
        self.assertIn("used_memory", self.r.info("MEMORY"), "section names ignore case")

    def test_info_of_an_unknown_section_is_empty(self):
        self.assertEqual(self.raw().command("INFO", "nosuchsection"), b"")

    @h.warpd_only("the '# Warp' INFO section is WarpEngine's own")
    def test_info_warp_section(self):
        raw = self.raw()
        text = raw.command("INFO", "warp").decode()
        self.assertTrue(text.startswith("# Warp\r\n"), text[:80])
        self.assertTrue(self.r.info("warp"), "redis-py parses it into a non-empty dict")
        self.assertIn("# Warp\r\n", raw.command("INFO", "everything").decode())
        self.assertIn("redis_version", self.r.info("everything"))


class Config(h.ServerTestCase):
    def test_config_get_of_the_parameters_clients_ask_for(self):
        self.assertEqual(self.r.config_get("maxmemory"), {"maxmemory": "0"})
        self.assertEqual(self.r.config_get("requirepass"), {"requirepass": ""})
        self.assertEqual(self.r.config_get("databases"), {"databases": "16"})
        self.assertEqual(self.r.config_get("maxmemory-policy"),
                         {"maxmemory-policy": "noeviction"})
        self.assertEqual(self.r.config_get("port"), {"port": str(self.s.port)})
        self.assertEqual(self.r.config_get("timeout"), {"timeout": "0"})
        self.assertIn(self.r.config_get("appendonly")["appendonly"], ("yes", "no"))
        self.assertIn("save", self.r.config_get("save"))

    def test_config_get_of_several_names_at_once(self):
        # Redis 7 replies in its own order, not the order asked.
        reply = self.r.execute_command("CONFIG", "GET", "maxmemory", "databases", "timeout")
        self.assertEqual(dict(zip(reply[::2], reply[1::2])),
                         {b"maxmemory": b"0", b"databases": b"16", b"timeout": b"0"})

    def test_config_get_of_an_unknown_parameter_is_empty(self):
        self.assertEqual(self.r.config_get("no-such-parameter"), {})

    def test_config_errors(self):
        self.assertError("wrong number of arguments for 'config|get' command",
                         self.r.execute_command, "CONFIG", "GET")
        self.assertError("unknown subcommand 'BOGUS'. Try CONFIG HELP.",
                         self.r.execute_command, "CONFIG", "BOGUS")


class TimeAndSave(h.ServerTestCase):
    def test_time_returns_seconds_and_microseconds_of_now(self):
        seconds, micros = self.r.time()
        self.assertLess(abs(seconds + micros / 1e6 - time.time()), 5)
        self.assertTrue(0 <= micros < 1000000)
        raw = self.raw()
        reply = raw.command("TIME")
        self.assertEqual(raw.last_type, b"*")
        self.assertTrue(all(isinstance(x, bytes) and x.isdigit() for x in reply),
                        "two bulk strings of digits")

    def test_save_succeeds_and_lastsave_moves_to_it(self):
        before = int(time.time())
        self.r.set("k", "v")
        self.assertTrue(self.r.save())
        raw = self.raw()
        last = raw.command("LASTSAVE")
        self.assertEqual(raw.last_type, b":")
        self.assertGreaterEqual(last, before)
        self.assertLessEqual(last, int(time.time()) + 1)
        self.assertEqual(int(self.r.lastsave().timestamp()), last)

    def test_dbsize_counts_the_keys_of_the_selected_database(self):
        self.assertEqual(self.r.dbsize(), 0)
        self.r.mset({f"k{i}": i for i in range(25)})
        self.assertEqual(self.r.dbsize(), 25)
        self.assertEqual(self.client(db=2).dbsize(), 0)
        self.assertError("wrong number of arguments for 'dbsize' command",
                         self.r.execute_command, "DBSIZE", "x")


if __name__ == "__main__":
    unittest.main()
