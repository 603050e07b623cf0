// RespServer: the Redis-protocol front-end of warpd (TCP, RESP2/RESP3, pipelining, inline
// commands), built on standalone Asio (Debian libasio-dev).
//
// Threads: `io_threads` event loops, each an asio::io_context run by one thread. The acceptor
// lives on loop 0 and hands each accepted socket to the loops round robin; a connection then
// stays on its loop for life, so a connection's state is touched by one thread only and needs
// no lock. Commands run on that thread directly against the shard tables (the Universe's hot
// path), like the embedded API: no actor message per command.
//
// Per connection: read what the socket has, parse every complete command (resp/resp_parser.h),
// run each, append the replies to one output buffer and write it with one send. While a write
// is in flight the connection reads nothing more, so a client that does not read its replies
// only stalls itself. A batch's replies are held back until its writes are fsynced when
// wal.fsync=always (the loop group-commits: one Universe::SyncShard per shard for every batch
// that arrived together, after their commands ran, as Redis's beforeSleep); if that fsync
// fails the connection is closed without sending them: no client sees an OK for a write that
// is not durable.
//
// Limits (Redis's): maxclients (an extra connection gets "-ERR max number of clients reached"
// and is closed), proto-max-bulk-len and the multibulk count (protocol error reply, then
// close), client-query-buffer-limit (close), client-output-buffer-limit (close; counted).
//
// Stop(): stops accepting, lets every loop finish the batch it is running, flushes the replies
// already produced (bounded in time), closes the connections and joins the threads.
//
// Thread-safety: Start/Stop/port from one controlling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/command.h"
#include "warp/status.h"

namespace warp::server {

struct RespServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;      // 0 = any free port
  size_t io_threads = 1;  // event loops (ResolveIoThreads turns the configured 0 into a count)
  // How long an idle loop keeps polling before it sleeps in epoll_wait (0 = sleep at once).
  std::chrono::microseconds busy_poll{0};
  // Called (from a loop's thread) when an event loop ends with an exception; the loop is dead
  // and the server should be restarted. Optional.
  std::function<void(const std::string& what)> on_failure;
};

// The event-loop count for server.io_threads: `configured` if not 0, else one per two cores
// (std::thread::hardware_concurrency), at least 1 and at most 8.
size_t ResolveIoThreads(uint32_t configured);

class RespServer {
 public:
  // REQUIRES: state (with its universe, metrics and clients) outlives the server.
  explicit RespServer(ServerState* state);
  ~RespServer();  // Stop()s
  RespServer(const RespServer&) = delete;
  RespServer& operator=(const RespServer&) = delete;

  // Binds and starts the loops. IOError naming the address if it cannot listen.
  Status Start(const RespServerOptions& options);
  uint16_t port() const;
  // Idempotent. Waits at most `drain_ms` for pending replies before closing connections.
  void Stop(int drain_ms = 2000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp::server
