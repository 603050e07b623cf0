#!/usr/bin/env python3
"""Runs the RESP client suite: every test_*.py module of this directory (or the ones named) as a
separate `python3 -m unittest -v` process, several at once, each against its own server.

  run_tests.py                          against <repo>/build/bin/warpd
  run_tests.py --server redis           against Debian's redis-server (validates the tests)
  run_tests.py --build-dir build-resp   warpd from another build directory
  run_tests.py --warpd PATH             a specific warpd binary (or a stand-in)
  run_tests.py -j 1 test_strings        one module, serially
  run_tests.py --server redis --redis-durable
                                        also run the warpd-only durability tests against
                                        redis-server with appendonly yes / appendfsync always

Prints one line per module and the failing modules' full output; exits 1 if any failed. If this
interpreter cannot import redis-py (e.g. a pyenv python), re-runs itself with /usr/bin/python3,
which has Debian's python3-redis.
"""

import argparse
import concurrent.futures
import glob
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"
MODULE_TIMEOUT_S = 300


def ensure_redis_py():
    if importlib.util.find_spec("redis") is None:
        if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != \
                os.path.realpath(SYSTEM_PYTHON):
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
        sys.exit(f"redis-py is not importable by {sys.executable}: apt-get install python3-redis")


def run_module(module, env):
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "unittest", "-v", module], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=MODULE_TIMEOUT_S)
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as e:
        output = f"{e.stdout or ''}{e.stderr or ''}\ntimed out after {MODULE_TIMEOUT_S} s"
        code = -1
    return module, code, output, time.monotonic() - start


def main():
    ensure_redis_py()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("warpd", "redis"),
                        default=os.environ.get("WARP_TEST_SERVER", "warpd"))
    parser.add_argument("--build-dir", help="warpd is <DIR>/bin/warpd (WARP_BUILD_DIR)")
    parser.add_argument("--warpd", help="path of the warpd binary (WARP_WARPD)")
    parser.add_argument("--redis-durable", action="store_true",
                        help="with --server redis: run the durability tests against AOF")
    parser.add_argument("-j", "--jobs", type=int, default=4)
    parser.add_argument("modules", nargs="*", help="e.g. test_strings (default: all)")
    args = parser.parse_args()

    env = dict(os.environ, WARP_TEST_SERVER=args.server, PYTHONDONTWRITEBYTECODE="1")
    if args.build_dir:
        env["WARP_BUILD_DIR"] = os.path.abspath(args.build_dir)
    if args.warpd:
        env["WARP_WARPD"] = os.path.abspath(args.warpd)
    if args.redis_durable:
        env["WARP_TEST_REDIS_DURABLE"] = "1"
    modules = [m[:-3] if m.endswith(".py") else m for m in args.modules] or sorted(
        os.path.basename(p)[:-3] for p in glob.glob(os.path.join(HERE, "test_*.py")))

    start = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for module, code, output, seconds in pool.map(lambda m: run_module(m, env), modules):
            summary = [line for line in output.splitlines() if line.startswith(("Ran ", "OK",
                                                                                "FAILED"))]
            print(f"{module:20} {'ok  ' if code == 0 else 'FAIL'} {seconds:6.1f} s  "
                  f"{' '.join(summary)}")
            if code != 0:
                failed.append((module, output))
    for module, output in failed:
        print(f"\n===== {module} =====\n{output}")
    print(f"\n{len(modules) - len(failed)}/{len(modules)} modules passed against {args.server} "
          f"in {time.monotonic() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
