"""Connection commands: PING, ECHO, HELLO, AUTH with requirepass, CLIENT, SELECT, QUIT and
RESET, through redis-py and, where exact reply types matter, over a raw socket."""

import unittest

import redis

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


HELLO_FIELDS = ["server", "version", "proto", "id", "mode", "role", "modules"]

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already authenticated, otherwise "
                "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time")


class PingEcho(h.ServerTestCase):
    def test_ping_replies_pong_and_ping_with_a_message_echoes_it(self):
        self.assertIs(self.r.ping(), True)
        raw = self.raw()
        self.assertEqual(raw.command("PING"), "PONG")
        self.assertEqual(raw.last_type, b"+")
        self.assertEqual(raw.command("PING", "hello"), b"hello")
        self.assertEqual(raw.last_type, b"$")

    def test_echo_returns_its_argument_byte_for_byte(self):
        self.assertEqual(self.r.echo("hello world"), b"hello world")
        self.assertEqual(self.r.echo(b"\x00\r\n\xff"), b"\x00\r\n\xff")
        self.assertEqual(self.r.echo(""), b"")


class Hello(h.ServerTestCase):
    def _check_hello(self, reply, proto, client_id):
        self.assertEqual(list(reply.keys()), [f.encode() for f in HELLO_FIELDS])
        self.assertTrue(reply[b"server"], "a non-empty server name")
        self.assertRegex(reply[b"version"].decode(), r"^\d+\.\d+\.\d+$",
                         "clients parse the version to decide which commands they may send")
        self.assertGreaterEqual(tuple(int(x) for x in reply[b"version"].split(b".")), (6, 2, 0))
        self.assertEqual(reply[b"proto"], proto)
        self.assertEqual(reply[b"id"], client_id)
        self.assertEqual(reply[b"mode"], b"standalone")
        self.assertEqual(reply[b"role"], b"master")
        self.assertEqual(reply[b"modules"], [])

    def test_hello_without_arguments_describes_the_server_in_resp2(self):
        raw = self.raw()
        client_id = raw.command("CLIENT", "ID")
        reply = raw.command("HELLO")
        self.assertEqual(raw.last_type, b"*", "RESP2 has no maps: a flat array of 14")
        self.assertEqual(len(reply), 14)
        self._check_hello(dict(zip(reply[::2], reply[1::2])), 2, client_id)

    def test_hello_3_switches_to_resp3_and_replies_with_a_map(self):
        raw = self.raw()
        client_id = raw.command("CLIENT", "ID")
        reply = raw.command("HELLO", "3")
        self.assertEqual(raw.last_type, b"%")
        self.assertIsInstance(reply, h.RespMap)
        self._check_hello(reply, 3, client_id)

    def test_hello_2_from_redis_py(self):
        reply = self.r.execute_command("HELLO", "2")
        as_dict = dict(zip(reply[::2], reply[1::2]))
        self.assertEqual(as_dict[b"proto"], 2)

    def test_hello_setname_names_the_connection(self):
        raw = self.raw()
        raw.command("HELLO", "3", "SETNAME", "conn-a")
        self.assertEqual(raw.command("CLIENT", "GETNAME"), b"conn-a")

    def test_hello_rejects_unknown_versions_and_options(self):
        raw = self.raw()
        self.assertEqual(raw.command("HELLO", "4"), "NOPROTO unsupported protocol version")
        self.assertEqual(raw.command("HELLO", "1"), "NOPROTO unsupported protocol version")
        self.assertEqual(raw.command("HELLO", "three"),
                         "ERR Protocol version is not an integer or out of range")
        self.assertEqual(raw.command("HELLO", "3", "BOGUS"),
                         "ERR Syntax error in HELLO option 'BOGUS'")
        self.assertEqual(raw.command("GET", "missing"), None)
        self.assertEqual(raw.last_type, b"$", "a failed HELLO leaves the protocol at RESP2")

    def test_auth_without_a_configured_password_is_an_error(self):
        raw = self.raw()
        self.assertEqual(raw.command("AUTH", "whatever"),
                         "ERR AUTH <password> called without any password configured for the "
                         "default user. Are you sure your configuration is correct?")
        # The default user has no password: AUTH default <anything> succeeds.
        self.assertEqual(raw.command("AUTH", "default", "whatever"), "OK")


class Auth(unittest.TestCase):
    """A server started with requirepass=secret."""

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server(requirepass="secret").start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.server.cleanup()
        assert code == 0, f"exit status {code} on SIGTERM"

    def raw(self):
        conn = self.server.raw()
        self.addCleanup(conn.close)
        return conn

    def test_commands_before_auth_get_noauth(self):
        raw = self.raw()
        for cmd in (("GET", "k"), ("SET", "k", "v"), ("PING",), ("SELECT", "1"),
                    ("CLIENT", "ID")):
            self.assertEqual(raw.command(*cmd), NOAUTH, cmd)
        self.assertEqual(raw.command("HELLO", "3"), HELLO_NOAUTH)

    def test_redis_py_without_a_password_raises_authentication_error(self):
        client = self.server.client(password=None)
        with self.assertRaises(redis.AuthenticationError) as cm:
            client.get("k")
        self.assertEqual(str(cm.exception), "Authentication required.")

    def test_a_bad_password_gets_wrongpass_and_stays_unauthenticated(self):
        raw = self.raw()
        self.assertEqual(raw.command("AUTH", "bad"), WRONGPASS)
        self.assertEqual(raw.command("AUTH", "default", "bad"), WRONGPASS)
        self.assertEqual(raw.command("AUTH", "nosuchuser", "secret"), WRONGPASS)
        self.assertEqual(raw.command("HELLO", "3", "AUTH", "default", "bad"), WRONGPASS)
        self.assertEqual(raw.command("GET", "k"), NOAUTH)

    def test_redis_py_with_a_bad_password_raises_wrongpass(self):
        client = self.server.client(password="bad")
        with self.assertRaises(redis.ResponseError) as cm:
            client.ping()
        self.assertEqual(str(cm.exception), WRONGPASS)

    def test_auth_with_the_password_alone_or_with_user_default(self):
        raw = self.raw()
        self.assertEqual(raw.command("AUTH", "secret"), "OK")
        self.assertEqual(raw.command("SET", "k", "v"), "OK")
        other = self.raw()
        self.assertEqual(other.command("AUTH", "default", "secret"), "OK")
        self.assertEqual(other.command("GET", "k"), b"v")

    def test_redis_py_with_the_password_works(self):
        client = self.server.client(password="secret")
        self.addCleanup(client.close)
        self.assertTrue(client.set("k2", "v"))
        self.assertEqual(client.get("k2"), b"v")
        with_user = self.server.client(password="secret", username="default")
        self.addCleanup(with_user.close)
        self.assertEqual(with_user.get("k2"), b"v")

    def test_hello_with_auth_authenticates_and_switches_protocol(self):
        raw = self.raw()
        reply = raw.command("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me")
        self.assertEqual(raw.last_type, b"%")
        self.assertEqual(reply[b"proto"], 3)
        self.assertEqual(raw.command("CLIENT", "GETNAME"), b"me")

    def test_reset_forgets_the_authentication(self):
        raw = self.raw()
        self.assertEqual(raw.command("AUTH", "secret"), "OK")
        self.assertEqual(raw.command("RESET"), "RESET")
        self.assertEqual(raw.command("GET", "k"), NOAUTH)

    def test_auth_arity_and_syntax(self):
        raw = self.raw()
        self.assertEqual(raw.command("AUTH"), "ERR wrong number of arguments for 'auth' command")
        self.assertEqual(raw.command("AUTH", "a", "b", "c"), "ERR syntax error")


class ClientCommands(h.ServerTestCase):
    def test_setname_and_getname(self):
        self.assertIsNone(self.r.client_getname())
        self.assertTrue(self.r.client_setname("worker-1"))
        self.assertEqual(self.r.client_getname(), "worker-1")
        self.assertEqual(self.r.execute_command("CLIENT", "GETNAME"), b"worker-1")
        self.assertTrue(self.r.client_setname(""))
        self.assertIsNone(self.r.client_getname(), "an empty name clears it")

    def test_setname_rejects_spaces(self):
        self.assertError("Client names cannot contain spaces, newlines or special characters.",
                         self.r.client_setname, "two words")

    def test_redis_py_client_name_option_sets_it_on_connect(self):
        named = self.client(client_name="named-by-redis-py")
        self.assertEqual(named.client_getname(), "named-by-redis-py")

    def test_client_ids_are_positive_and_distinct_per_connection(self):
        a, b = self.raw(), self.raw()
        id_a, id_b = a.command("CLIENT", "ID"), b.command("CLIENT", "ID")
        self.assertEqual(a.last_type, b":")
        self.assertGreater(id_a, 0)
        self.assertGreater(id_b, id_a, "ids increase with each new connection")
        self.assertEqual(a.command("CLIENT", "ID"), id_a)

    def test_client_list_has_a_line_per_connection_with_its_fields(self):
        raw = self.raw()
        raw.command("CLIENT", "SETNAME", "lister")
        raw.command("SELECT", "3")
        my_id = raw.command("CLIENT", "ID")
        listing = raw.command("CLIENT", "LIST")
        self.assertEqual(raw.last_type, b"$")
        lines = listing.decode().splitlines()
        self.assertGreaterEqual(len(lines), 2, "this connection and self.r")
        for line in lines:
            for token in line.split(" "):
                self.assertIn("=", token, f"every token is key=value: {line!r}")
        mine = [dict(t.split("=", 1) for t in line.split(" ")) for line in lines
                if line.startswith(f"id={my_id} ")]
        self.assertEqual(len(mine), 1)
        mine = mine[0]
        local = raw.sock.getsockname()
        self.assertEqual(mine["addr"], f"{local[0]}:{local[1]}")
        self.assertEqual(mine["laddr"], f"{self.s.host}:{self.s.port}")
        self.assertEqual(mine["name"], "lister")
        self.assertEqual(mine["db"], "3")
        self.assertEqual(mine["cmd"], "client|list")
        for field in ("fd", "age", "idle", "flags", "sub", "psub", "multi", "qbuf", "obl", "oll",
                      "omem", "tot-mem", "events", "user", "resp"):
            self.assertIn(field, mine)

    def test_client_list_through_redis_py(self):
        self.r.client_setname("me")
        entries = self.r.client_list()
        self.assertIn("me", [e["name"] for e in entries])
        self.assertIn(str(self.r.client_id()), [e["id"] for e in entries])

    def test_client_info_describes_this_connection(self):
        # redis-py's parser needs every integer field it converts (id, age, idle, db, sub, psub,
        # multi, qbuf, qbuf-free, obl, argv-mem, oll, omem, tot-mem) and no '=' inside values.
        self.r.client_setname("info-me")
        info = self.r.client_info()
        self.assertEqual(info["id"], self.r.client_id())
        self.assertEqual(info["name"], "info-me")
        self.assertEqual(info["db"], 0)
        self.assertEqual(info["cmd"], "client|info")
        self.assertEqual(info["resp"].strip(), "2", "the reply ends with a newline")
        self.assertEqual(info["user"], "default")

    def test_client_subcommand_errors(self):
        self.assertError("unknown subcommand 'BOGUS'. Try CLIENT HELP.",
                         self.r.execute_command, "CLIENT", "BOGUS")
        self.assertError("wrong number of arguments for 'client|setname' command",
                         self.r.execute_command, "CLIENT", "SETNAME")
        self.assertError("wrong number of arguments for 'client' command",
                         self.r.execute_command, "CLIENT")


class SelectQuitReset(h.ServerTestCase):
    def test_select_out_of_range_or_not_a_number_is_an_error(self):
        self.assertError("DB index is out of range", self.r.execute_command, "SELECT", 16)
        self.assertError("DB index is out of range", self.r.execute_command, "SELECT", -1)
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "SELECT", "one")
        self.assertTrue(self.r.execute_command("SELECT", 15))

    def test_redis_py_with_db_16_fails_on_connect(self):
        client = self.s.client(db=16)
        self.addCleanup(client.close)
        with self.assertRaises(redis.ResponseError) as cm:
            client.ping()
        self.assertEqual(str(cm.exception), "DB index is out of range")

    def test_quit_replies_ok_closes_and_runs_nothing_after_it(self):
        raw = self.raw()
        raw.send(b"QUIT\r\nSET after-quit 1\r\n")
        self.assertEqual(raw.read_until_closed(), b"+OK\r\n")
        self.assertEqual(self.r.exists("after-quit"), 0)

    def test_quit_as_a_multibulk_command(self):
        raw = self.raw()
        raw.send(h.encode_command("QUIT"))
        self.assertEqual(raw.read_until_closed(), b"+OK\r\n")

    def test_reset_restores_db_0_no_name_and_resp2(self):
        raw = self.raw()
        self.r.set("k", "in-db-0")
        raw.command("HELLO", "3")
        raw.command("SELECT", "4")
        raw.command("CLIENT", "SETNAME", "before-reset")
        self.assertEqual(raw.command("RESET"), "RESET")
        self.assertEqual(raw.last_type, b"+")
        self.assertIsNone(raw.command("CLIENT", "GETNAME"))
        self.assertEqual(raw.last_type, b"$", "back to RESP2: a null bulk, not _")
        self.assertEqual(raw.command("GET", "k"), b"in-db-0")

    def test_reset_through_redis_py(self):
        self.assertEqual(self.r.reset(), "RESET")
        self.assertTrue(self.r.ping())


if __name__ == "__main__":
    unittest.main()
