#!/usr/bin/env python3
"""A stand-in for warpd built on redis-server, to check this suite's warpd code path and
bench/resp_vs_redis.sh before warpd serves RESP. It is not WarpEngine and proves nothing about it.

It accepts warpd's command line (--config FILE, --data DIR, --port N, --set KEY=VALUE), picks a
free port when N is 0, prints warpd's start-up lines to stderr
  resp: listening on 127.0.0.1:PORT / http: listening on 127.0.0.1:PORT / warpd ready
and then becomes (exec) `redis-server` with the AOF in DIR, so that its PID is the server's:
SIGTERM stops it cleanly with status 0 and kill -9 kills it. `warpd ready` is printed just before
the exec, so a client must still wait for PING (the harness does).

Understood --set keys: server.bind, server.port, server.http_port, server.requirepass,
wal.fsync (always|everysec|no -> appendfsync); others are accepted and ignored.
"""

import os
import socket
import sys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    settings = {"server.bind": "127.0.0.1", "server.port": "7379", "server.http_port": "7380",
                "wal.fsync": "everysec", "data_dir": "./data"}
    i = 0
    while i < len(argv):
        name, _, inline = argv[i].partition("=")
        if name in ("--help", "-h"):
            print("usage: fake_warpd.py [--config FILE] [--data DIR] [--port N] [--set KEY=VALUE]")
            return 0
        if name not in ("--config", "--data", "--port", "--set"):
            print(f"fake_warpd: unknown option '{argv[i]}'", file=sys.stderr)
            return 2
        if inline:
            value = inline
        else:
            i += 1
            if i == len(argv):
                print(f"fake_warpd: option {name} needs a value", file=sys.stderr)
                return 2
            value = argv[i]
        if name == "--data":
            settings["data_dir"] = value
        elif name == "--port":
            settings["server.port"] = value
        elif name == "--set":
            key, _, v = value.partition("=")
            settings[key] = v
        i += 1

    bind = settings["server.bind"]
    port = int(settings["server.port"]) or free_port()
    http_port = int(settings["server.http_port"]) or free_port()
    data = settings["data_dir"]
    os.makedirs(data, exist_ok=True)
    args = ["redis-server", "--bind", bind, "--port", str(port), "--dir", data, "--save", "",
            "--appendonly", "yes", "--appendfsync", settings["wal.fsync"], "--daemonize", "no",
            "--logfile", ""]
    if settings.get("server.requirepass"):
        args += ["--requirepass", settings["server.requirepass"]]
    sys.stderr.write(f"fake_warpd: stand-in for warpd (redis-server), data {data}\n"
                     f"resp: listening on {bind}:{port}\n"
                     f"http: listening on {bind}:{http_port}\n"
                     "warpd ready\n")
    sys.stderr.flush()
    os.execvp(args[0], args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
