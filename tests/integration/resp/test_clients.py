"""Many clients and lost connections: 200 concurrent connections, redis-py reconnecting after
CLIENT KILL and after the server restarts."""

import threading
import unittest

import server_harness as h


def setUpModule():
    h.start_module_server(__name__)


def tearDownModule():
    h.stop_module_server(__name__)


class ConcurrentClients(h.ServerTestCase):
    def test_200_concurrent_connections_each_doing_a_few_commands(self):
        n, rounds = 200, 5
        connected = threading.Barrier(n + 1, timeout=60)
        go = threading.Barrier(n + 1, timeout=60)
        errors, ids = [], [None] * n

        def worker(i):
            client = self.s.client(single_connection_client=True)
            try:
                ids[i] = client.client_id()
                connected.wait()
                go.wait()
                for j in range(rounds):
                    client.incr("counter")
                    client.set(f"k:{i}:{j}", f"{i}-{j}")
                    if client.get(f"k:{i}:{j}") != f"{i}-{j}".encode():
                        errors.append(f"client {i} read back a wrong value")
            except Exception as e:  # collected: assertions are made on the main thread
                errors.append(f"client {i}: {e!r}")
                for barrier in (connected, go):
                    barrier.abort()
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        try:
            connected.wait()
            self.assertGreaterEqual(self.r.info("clients")["connected_clients"], n + 1)
            self.assertGreaterEqual(len(self.r.client_list()), n + 1)
            go.wait()
        finally:
            for t in threads:
                t.join(60)
        self.assertEqual(errors, [])
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertEqual(len(set(ids)), n, "every connection has its own CLIENT ID")
        self.assertEqual(self.r.get("counter"), str(n * rounds).encode())
        self.assertEqual(self.r.dbsize(), n * rounds + 1)


class Reconnect(h.ServerTestCase):
    def _wait_gone(self, client_id):
        h.wait_until(lambda: str(client_id) not in [c["id"] for c in self.r.client_list()],
                     timeout=10, what=f"client {client_id} to leave CLIENT LIST")

    def test_redis_py_reconnects_after_client_kill_by_id(self):
        victim = self.client()
        victim.set("k", "v")
        victim_id = victim.client_id()
        self.assertEqual(self.r.client_kill_filter(_id=victim_id), 1)
        self._wait_gone(victim_id)
        self.assertEqual(victim.get("k"), b"v", "the pool replaced the closed connection")
        self.assertNotEqual(victim.client_id(), victim_id)

    def test_redis_py_reconnects_after_client_kill_by_address(self):
        victim = self.raw()
        victim_id = victim.command("CLIENT", "ID")
        local = victim.sock.getsockname()
        self.assertTrue(self.r.client_kill(f"{local[0]}:{local[1]}"))
        self.assertEqual(victim.read_until_closed(), b"")
        self._wait_gone(victim_id)

    def test_client_kill_of_an_unknown_client(self):
        self.assertError("No such client", self.r.client_kill, "127.0.0.1:1")
        self.assertEqual(self.r.client_kill_filter(_id=999999999), 0)

    def test_redis_py_restores_the_database_and_name_on_its_new_connection(self):
        victim = self.client(db=4, client_name="victim")
        victim.set("k", "in-db-4")
        victim_id = victim.client_id()
        self.r.client_kill_filter(_id=victim_id)
        self._wait_gone(victim_id)
        self.assertEqual(victim.get("k"), b"in-db-4")
        self.assertEqual(victim.client_getname(), "victim")


class ReconnectAfterRestart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = h.Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def test_redis_py_reconnects_after_the_server_restarts_on_the_same_port(self):
        client = self.server.client()
        self.addCleanup(client.close)
        self.assertTrue(client.set("k", "v"))
        port = self.server.port
        self.assertEqual(self.server.restart(same_port=True), 0, "clean exit on SIGTERM")
        self.assertEqual(self.server.port, port)
        self.assertTrue(client.ping(), "the stale pooled connection is replaced")
        self.assertTrue(client.set("after", "restart"))
        self.assertEqual(client.get("after"), b"restart")


if __name__ == "__main__":
    unittest.main()
