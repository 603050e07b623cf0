"""The wire protocol itself: pipelining, RESP3, error replies, protocol errors, inline commands,
binary-safe and large arguments."""

import inspect
import os
import unittest

import redis

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class Pipelines(h.ServerTestCase):
    def test_1000_commands_in_one_pipeline(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"key:{i}", f"value:{i}")
        self.assertEqual(pipe.execute(), [True] * 1000)
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.get(f"key:{i}")
        self.assertEqual(pipe.execute(), [f"value:{i}".encode() for i in range(1000)])
        self.assertEqual(self.r.dbsize(), 1000)

    def test_replies_come_back_in_order_with_errors_in_place(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.set("s", "text")
        pipe.incr("n")
        pipe.incr("s")
        pipe.incr("n")
        pipe.get("missing")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[:2], [True, 1])
        self.assertIsInstance(results[2], redis.ResponseError)
        self.assertEqual(str(results[2]), "value is not an integer or out of range")
        self.assertEqual(results[3:], [2, None])

    def test_10000_raw_commands_in_one_write(self):
        raw = self.raw()
        raw.send(h.encode_command("INCR", "counter") * 10000 + h.encode_command("PING"))
        replies = [raw.read_reply() for _ in range(10001)]
        self.assertEqual(replies[:10000], list(range(1, 10001)))
        self.assertEqual(replies[-1], "PONG")


class Resp3(h.ServerTestCase):
    def _resp3(self):
        raw = self.raw()
        raw.command("HELLO", "3")
        return raw

    def test_resp3_reply_types_of_common_commands(self):
        raw = self._resp3()
        cases = [
            (("SET", "k", "v"), b"+", "OK"),
            (("GET", "k"), b"$", b"v"),
            (("GET", "missing"), b"_", h.RESP3_NULL),
            (("MGET", "k", "missing"), b"*", [b"v", h.RESP3_NULL]),
            (("INCR", "n"), b":", 1),
            (("EXISTS", "k", "missing"), b":", 1),
            (("INCRBYFLOAT", "f", "1.5"), b"$", b"1.5"),
            (("TTL", "k"), b":", -1),
            (("TYPE", "k"), b"+", "string"),
            (("PING",), b"+", "PONG"),
            (("CONFIG", "GET", "maxmemory"), b"%", {b"maxmemory": b"0"}),
            (("CLIENT", "GETNAME"), b"_", h.RESP3_NULL),
            (("GET",), b"-", "ERR wrong number of arguments for 'get' command"),
        ]
        for cmd, type_byte, value in cases:
            self.assertEqual(raw.command(*cmd), value, cmd)
            self.assertEqual(raw.last_type, type_byte, cmd)

    def test_resp3_info_is_a_verbatim_txt_string(self):
        raw = self._resp3()
        info = raw.command("INFO", "server")
        self.assertEqual(raw.last_type, b"=")
        self.assertEqual(info.format, b"txt")
        self.assertTrue(info.startswith(b"# Server\r\n"))

    def test_resp3_scan_is_a_cursor_and_an_array(self):
        raw = self._resp3()
        raw.command("SET", "k", "v")
        self.assertEqual(raw.command("SCAN", "0"), [b"0", [b"k"]])

    def test_hello_2_switches_back_to_resp2(self):
        raw = self._resp3()
        raw.command("HELLO", "2")
        self.assertIsNone(raw.command("GET", "missing"))
        self.assertEqual(raw.last_type, b"$")
        self.assertEqual(raw.command("CONFIG", "GET", "maxmemory"), [b"maxmemory", b"0"])

    @unittest.skipUnless("protocol" in inspect.signature(redis.Redis.__init__).parameters,
                         f"redis-py {redis.__version__} has no protocol=3 (added in 5.0); "
                         "RESP3 is covered over a raw socket above")
    def test_redis_py_with_protocol_3(self):  # pragma: no cover - needs redis-py >= 5
        client = self.client(protocol=3)
        self.assertTrue(client.set("k", "v"))
        self.assertEqual(client.get("k"), b"v")
        self.assertIsNone(client.get("missing"))
        self.assertIn("redis_version", client.info())


class ErrorReplies(h.ServerTestCase):
    """Exact error texts: redis-py raises ResponseError with the text after `ERR `."""

    def test_wrong_number_of_arguments(self):
        self.assertError("wrong number of arguments for 'get' command", self.r.execute_command,
                         "GET")
        self.assertError("wrong number of arguments for 'get' command", self.r.execute_command,
                         "GET", "a", "b")
        self.assertError("wrong number of arguments for 'set' command", self.r.execute_command,
                         "SET", "k")
        self.assertError("wrong number of arguments for 'ttl' command", self.r.execute_command,
                         "ttl")
        self.assertError("wrong number of arguments for 'del' command", self.r.execute_command,
                         "Del")

    def test_unknown_command_names_it_and_its_first_arguments(self):
        self.assertError("unknown command 'FOO', with args beginning with: 'a' 'b' ",
                         self.r.execute_command, "FOO", "a", "b")
        self.assertError("unknown command 'foo', with args beginning with: ",
                         self.r.execute_command, "foo")

    def test_unknown_command_quotes_arguments_only_up_to_128_characters(self):
        # Redis appends "'%.*s' " with at most 128 - (length so far) characters of each
        # argument while the list is shorter than 128: one 200-byte argument shows 128 of them.
        self.assertError("unknown command 'NOSUCH', with args beginning with: '" + "x" * 128 +
                         "' ", self.r.execute_command, "NOSUCH", "x" * 200, "y")

    def test_not_an_integer_and_syntax_error(self):
        self.assertError("value is not an integer or out of range", self.r.execute_command,
                         "EXPIRE", "k", "ten")
        self.assertError("syntax error", self.r.execute_command, "SET", "k", "v", "NX", "XX")

    def test_raw_error_lines_are_exact(self):
        raw = self.raw()
        raw.send(h.encode_command("GET") + h.encode_command("FOO", "a") +
                 h.encode_command("SET", "k", "v", "EX", "x") +
                 h.encode_command("SET", "k", "v", "BAD") + h.encode_command("PING"))
        self.assertEqual(raw.read_line(), b"-ERR wrong number of arguments for 'get' command")
        self.assertEqual(raw.read_line(), b"-ERR unknown command 'FOO', with args beginning "
                         b"with: 'a' ")
        self.assertEqual(raw.read_line(), b"-ERR value is not an integer or out of range")
        self.assertEqual(raw.read_line(), b"-ERR syntax error")
        self.assertEqual(raw.read_line(), b"+PONG", "errors keep the connection open")


class ProtocolErrors(h.ServerTestCase):
    """A malformed request gets one error line, then the server closes that connection only."""

    def _expect_close_with(self, request, error_line):
        other = self.client()
        other.set("survivor", "yes")
        raw = self.raw()
        raw.send(request)
        self.assertEqual(raw.read_until_closed(), error_line + b"\r\n")
        self.assertEqual(other.get("survivor"), b"yes", "other clients keep working")
        self.assertTrue(self.r.ping())

    def test_negative_bulk_length(self):
        self._expect_close_with(b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length")

    def test_bulk_length_above_the_limit(self):
        self._expect_close_with(b"*2\r\n$3\r\nGET\r\n$600000000\r\n",
                                b"-ERR Protocol error: invalid bulk length")

    def test_non_numeric_multibulk_length(self):
        self._expect_close_with(b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length")

    def test_missing_dollar(self):
        self._expect_close_with(b"*1\r\nx\r\n", b"-ERR Protocol error: expected '$', got 'x'")

    def test_unbalanced_quotes_in_an_inline_command(self):
        self._expect_close_with(b'SET k "unclosed\r\n',
                                b"-ERR Protocol error: unbalanced quotes in request")

    def test_commands_before_the_bad_one_are_answered(self):
        raw = self.raw()
        raw.send(h.encode_command("PING") + b"*1\r\n$-5\r\n" + h.encode_command("PING"))
        self.assertEqual(raw.read_until_closed(),
                         b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")


class InlineCommands(h.ServerTestCase):
    def test_inline_ping_set_get(self):
        raw = self.raw()
        raw.send(b"PING\r\n")
        self.assertEqual(raw.read_line(), b"+PONG")
        raw.send(b"SET a b\r\n")
        self.assertEqual(raw.read_line(), b"+OK")
        raw.send(b"GET a\r\n")
        self.assertEqual(raw.read_line(), b"$1")
        self.assertEqual(raw.read_line(), b"b")
        self.assertEqual(self.r.get("a"), b"b")

    def test_inline_quotes_escapes_bare_newlines_and_blank_lines(self):
        raw = self.raw()
        raw.send(b'SET k "hello world"\r\nGET k\r\n\r\nPING\nset q \'single quoted\'\r\n'
                 b'SET e "a\\x41b\\n"\r\nGET e\r\n')
        self.assertEqual(raw.read_reply(), "OK")
        self.assertEqual(raw.read_reply(), b"hello world")
        self.assertEqual(raw.read_reply(), "PONG", "a blank line gets no reply")
        self.assertEqual(raw.read_reply(), "OK")
        self.assertEqual(raw.read_reply(), "OK")
        self.assertEqual(raw.read_reply(), b"aAb\n")
        self.assertEqual(self.r.get("q"), b"single quoted")

    def test_inline_and_multibulk_mixed_in_one_write(self):
        raw = self.raw()
        raw.send(b"SET x 1\r\n" + h.encode_command("INCR", "x") + b"INCR x\r\n")
        self.assertEqual([raw.read_reply() for _ in range(3)], ["OK", 2, 3])


class BinaryAndLargeValues(h.ServerTestCase):
    def test_a_binary_key_and_value_round_trip(self):
        key = b"bin\x00\r\n\xff\xfe key" + bytes(range(256))
        value = bytes(range(256)) * 4 + b"\r\n$3\r\n*1\r\n\x00"
        self.assertTrue(self.r.set(key, value))
        self.assertEqual(self.r.get(key), value)
        self.assertEqual(self.r.mget(key, b"other"), [value, None])
        self.assertEqual(self.r.keys("bin*"), [key])
        self.assertEqual(list(self.r.scan_iter()), [key])
        self.assertEqual(self.r.strlen(key), len(value))
        self.assertEqual(self.r.append(key, b"\x00"), len(value) + 1)
        self.assertEqual(self.r.exists(key), 1)
        self.assertEqual(self.r.delete(key), 1)

    def test_an_empty_value_is_not_a_missing_one(self):
        self.r.set("empty", b"")
        self.assertEqual(self.r.get("empty"), b"")
        self.assertEqual(self.r.exists("empty"), 1)
        self.assertEqual(self.r.strlen("empty"), 0)

    def test_a_1_mib_value(self):
        value = os.urandom(1 << 20)
        self.assertTrue(self.r.set("big", value))
        self.assertEqual(self.r.get("big"), value)
        self.assertEqual(self.r.strlen("big"), 1 << 20)
        self.assertEqual(self.r.getrange("big", -16, -1), value[-16:])

    def test_a_1_mib_value_sent_in_small_pieces(self):
        value = os.urandom(1 << 20)
        raw = self.raw()
        request = h.encode_command("SET", "slow", value)
        for i in range(0, len(request), 100000):
            raw.send(request[i:i + 100000])
        self.assertEqual(raw.read_reply(), "OK")
        self.assertEqual(raw.command("GET", "slow"), value)


if __name__ == "__main__":
    unittest.main()
