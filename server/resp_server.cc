#include "server/resp_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "common/cycle_clock.h"
#include "common/log.h"
#include "resp/resp_parser.h"
#include "resp/resp_writer.h"
#include "server/client_registry.h"
#include "server/metrics.h"

namespace warp::server {

namespace {

using asio::ip::tcp;

// Bytes read from a socket per system call (Redis's PROTO_IOBUF_LEN).
constexpr size_t kReadChunk = 16 * 1024;
// A connection whose output buffer holds more than this after a batch writes it before it
// parses further commands of the same read (bounds memory per batch of pipelined commands).
constexpr size_t kBatchOutputFlush = 64 * 1024;
// Buffers larger than this are freed after use instead of kept for the next batch.
constexpr size_t kKeepBufferBytes = 1024 * 1024;

// One event loop: an io_context and the thread that runs it.
class Connection;

// One event loop: an io_context and the thread that runs it, plus the loop's group commit
// under wal.fsync=always (touched by the loop's thread only).
struct Loop {
  explicit Loop(size_t index) : index(index), context(1) {}
  size_t index;
  asio::io_context context;
  std::thread thread;
  // Batches whose replies wait for durability, and the newest LSN per shard they need.
  std::vector<std::shared_ptr<Connection>> sync_waiters;
  std::vector<std::pair<uint32_t, uint64_t>> sync_targets;
  bool sync_posted = false;  // a GroupSync is queued behind the handlers already ready
};

// Raises the LSN wanted for `shard` in `targets` to at least `lsn`.
void WantDurable(std::vector<std::pair<uint32_t, uint64_t>>* targets, uint32_t shard,
                 uint64_t lsn) {
  for (auto& [s, l] : *targets) {
    if (s == shard) {
      l = std::max(l, lsn);
      return;
    }
  }
  targets->emplace_back(shard, lsn);
}

void GroupSync(Loop* loop, Universe* universe);

// A subcommand name as ClientState::last_subcommand holds it.
uint64_t PackSubcommand(std::string_view name) {
  uint64_t packed = 0;
  for (size_t i = 0; i < name.size() && i < 8; ++i) {
    auto c = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(name[i])));
    packed |= static_cast<uint64_t>(c) << (8 * i);
  }
  return packed;
}

std::string Endpoint(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState* state, const std::shared_ptr<Loop>& loop, tcp::socket socket,
             bool await_fsync)
      : state_(state),
        loop_(loop.get()),
        loop_ref_(loop),
        socket_(std::move(socket)),
        parser_(ParserOptionsFrom(state->config)),
        writer_(&out_),
        await_fsync_(await_fsync) {
    read_buffer_.resize(kReadChunk);
  }

  ~Connection() { Unregister(); }

  // Runs on the connection's loop: registers the client and starts reading. A connection over
  // maxclients gets Redis's error and is closed.
  void Start() {
    asio::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    client_.id = state_->clients->NextId();
    client_.fd = socket_.native_handle();
    client_.thread = loop_->index;
    client_.created_ms = NowUnixMs();
    client_.last_interaction_ms.store(client_.created_ms, std::memory_order_relaxed);
    client_.authenticated = state_->config.Requirepass().empty();
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) client_.addr = Endpoint(remote);
    auto local = socket_.local_endpoint(ec);
    if (!ec) client_.laddr = Endpoint(local);
    state_->counters.connections_received.fetch_add(1, std::memory_order_relaxed);
    std::weak_ptr<Connection> weak = shared_from_this();
    std::weak_ptr<Loop> weak_loop = loop_ref_;
    bool admitted = state_->clients->Add(
        &client_,
        [weak, weak_loop] {
          if (auto loop = weak_loop.lock()) {
            asio::post(loop->context, [weak] {
              if (auto self = weak.lock()) self->Close();
            });
          }
        },
        state_->config.maxclients.load(std::memory_order_relaxed));
    if (!admitted) {
      state_->counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      static constexpr char kFull[] = "-ERR max number of clients reached\r\n";
      asio::write(socket_, asio::buffer(kFull, sizeof(kFull) - 1), ec);
      closed_ = true;
      socket_.close(ec);
      return;
    }
    registered_ = true;
    WaitReadable();
  }

  // Closes now (the loop's thread only). Pending operations end with operation_aborted.
  void Close() {
    if (closed_) return;
    closed_ = true;
    Unregister();
    asio::error_code ec;
    socket_.close(ec);
  }

  Loop* loop() const { return loop_; }

  // Shutdown: an idle connection closes now, a busy one once its replies are written.
  void Drain() {
    draining_ = true;
    if (idle_) Close();
  }

 private:
  // Leaves the client registry (once): on Close, or when a connection still open is destroyed
  // with its loop at shutdown.
  void Unregister() {
    if (!registered_) return;
    registered_ = false;
    state_->clients->Remove(client_.id);
  }

  static resp::ParserOptions ParserOptionsFrom(const RuntimeConfig& config) {
    resp::ParserOptions options;
    options.max_bulk_len = config.proto_max_bulk_len.load(std::memory_order_relaxed);
    return options;
  }

  // Reads what the client sends next. Asio's epoll reactor is edge-triggered and reads
  // speculatively only when an edge arrived since the last read that drained the socket: at
  // one request per round trip this costs one recv per request, and bytes that arrived while
  // the previous batch ran are read at once instead of waiting for an edge that already passed.
  void WaitReadable() {
    if (closed_) return;
    if (draining_) return Close();
    idle_ = true;
    socket_.async_read_some(asio::buffer(read_buffer_),
                            [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                              self->idle_ = false;
                              if (ec || n == 0 || self->closed_) return self->Close();
                              self->OnRead(n);
                            });
  }

  void OnRead(size_t n) {
    state_->counters.net_input_bytes.fetch_add(n, std::memory_order_relaxed);
    parser_.Feed(std::string_view(read_buffer_.data(), n));
    RunCommands();
  }

  // Runs every complete command buffered, then writes the replies (after their writes are
  // durable when wal.fsync=always).
  void RunCommands() {
    more_commands_ = false;
    uint64_t commands = 0;
    resp::RequestParser::Result result = resp::RequestParser::Result::kNeedMore;
    while (!client_.close_after_reply && out_.size() < kBatchOutputFlush &&
           (result = parser_.Next()) == resp::RequestParser::Result::kCommand) {
      Execute(parser_.args());
      ++commands;
    }
    if (out_.size() >= kBatchOutputFlush) more_commands_ = true;
    if (!client_.close_after_reply && out_.size() < kBatchOutputFlush &&
        result == resp::RequestParser::Result::kError) {
      state_->counters.protocol_errors.fetch_add(1, std::memory_order_relaxed);
      log::Info("client id=", client_.id, " addr=", client_.addr, ": ", parser_.error(),
                "; closing the connection");
      writer_.Error("ERR " + parser_.error());
      client_.close_after_reply = true;
    }
    if (lookups_.hits + lookups_.misses > 0) {
      state_->counters.keyspace_hits.fetch_add(lookups_.hits, std::memory_order_relaxed);
      state_->counters.keyspace_misses.fetch_add(lookups_.misses, std::memory_order_relaxed);
      lookups_ = CommandContext::LookupCounts();
    }
    if (commands > 0) {
      state_->counters.commands_processed.fetch_add(commands, std::memory_order_relaxed);
      client_.last_interaction_ms.store(NowUnixMs(), std::memory_order_relaxed);
    }
    if (parser_.buffered_bytes() >
        state_->config.client_query_buffer_limit.load(std::memory_order_relaxed)) {
      log::Warn("client id=", client_.id, " addr=", client_.addr,
                ": query buffer over client-query-buffer-limit; closing the connection");
      return Close();
    }
    if (out_.size() > state_->config.client_output_buffer_limit.load(std::memory_order_relaxed)) {
      state_->counters.output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
      log::Warn("client id=", client_.id, " addr=", client_.addr, ": ", out_.size(),
                " bytes of replies exceed client-output-buffer-limit; closing the connection");
      return Close();
    }
    if (await_fsync_ && !pending_writes_.empty()) return AwaitDurability();
    pending_writes_.clear();
    Flush();
  }

  void Execute(const std::vector<std::string_view>& args) {
    const CommandTable& table = Commands();
    // Clients usually send the same command again: compare with the last one before hashing.
    const CommandSpec* spec = last_spec_ != nullptr && EqualsIgnoreCase(args[0], last_spec_->name)
                                  ? last_spec_
                                  : table.Find(args[0]);
    last_spec_ = spec;
    writer_.set_protocol(client_.protocol.load(std::memory_order_relaxed));
    if (spec == nullptr) return writer_.Error(ErrUnknownCommand(args));
    client_.last_command.store(spec, std::memory_order_relaxed);
    client_.last_subcommand.store(
        (spec->flags & kContainer) && args.size() > 1 ? PackSubcommand(args[1]) : 0,
        std::memory_order_relaxed);
    int64_t argc = static_cast<int64_t>(args.size());
    if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
      return writer_.Error(ErrWrongArity(spec->name));
    }
    if (!client_.authenticated && (spec->flags & kNoAuth) == 0) {
      return writer_.Error(kErrNoAuth);
    }
    size_t reply_start = out_.size();
    uint64_t start = cycle_clock::Now();
    CommandContext ctx(*state_, client_, writer_, args);
    ctx.pending_writes = &pending_writes_;
    ctx.scratch = &scratch_;
    ctx.lookups = &lookups_;
    try {
      spec->handler(ctx);
    } catch (const std::exception& e) {
      // One command's failure (an allocation too large, say) is that command's error reply,
      // never the event loop's end: drop its partial reply and say what happened.
      out_.resize(reply_start);
      writer_.Error(std::string("ERR ") + spec->name.data() + ": " + e.what());
      log::Warn("client id=", client_.id, ": command '", spec->name, "' failed: ", e.what());
    }
    uint64_t elapsed = cycle_clock::ToNanos(cycle_clock::Now() - start);
    bool failed = out_.size() > reply_start && out_[reply_start] == '-';
    state_->metrics->Record(loop_->index, static_cast<size_t>(spec - table.all().data()), elapsed,
                            failed);
  }

  // wal.fsync=always: the batch joins its loop's group commit. The loop runs GroupSync after
  // every handler already ready (the other clients whose data arrived with this one), then one
  // fsync per shard covers all their writes, as Redis's beforeSleep does for the AOF.
  void AwaitDurability() {
    durability_targets_.clear();
    for (const auto& [shard, lsn] : pending_writes_) {
      WantDurable(&durability_targets_, shard, lsn);
      WantDurable(&loop_->sync_targets, shard, lsn);
    }
    pending_writes_.clear();
    loop_->sync_waiters.push_back(shared_from_this());
    if (!loop_->sync_posted) {
      loop_->sync_posted = true;
      asio::post(loop_->context,
                 [loop = loop_, universe = state_->universe] { GroupSync(loop, universe); });
    }
  }

 public:
  // The group commit is done: `synced` holds each shard's outcome. The replies go out if every
  // shard this batch needs is durable; else the connection closes without them.
  void OnGroupSynced(const std::vector<std::pair<uint32_t, Status>>& synced) {
    if (closed_) return;
    for (const auto& [shard, lsn] : durability_targets_) {
      for (const auto& [s, status] : synced) {
        if (s != shard || status.ok()) continue;
        log::Error("client id=", client_.id, ": a write of this batch is not durable (",
                   status.ToString(), "); closing the connection without acknowledging it");
        return Close();
      }
    }
    Flush();
  }

 private:
  // Sends the replies: first straight from this thread (usually the whole buffer fits in the
  // socket), the rest asynchronously. Then reads again, or closes after QUIT/protocol errors.
  void Flush() {
    if (closed_) return;
    if (out_.empty()) return AfterFlush();
    sending_.swap(out_);
    out_.clear();
    asio::error_code ec;
    size_t n = socket_.write_some(asio::buffer(sending_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return Close();
    if (ec) n = 0;
    state_->counters.net_output_bytes.fetch_add(n, std::memory_order_relaxed);
    if (n == sending_.size()) return AfterFlush();
    asio::async_write(socket_, asio::buffer(sending_.data() + n, sending_.size() - n),
                      [self = shared_from_this()](const asio::error_code& ec, size_t written) {
                        if (ec || self->closed_) return self->Close();
                        self->state_->counters.net_output_bytes.fetch_add(
                            written, std::memory_order_relaxed);
                        self->AfterFlush();
                      });
  }

  void AfterFlush() {
    if (client_.close_after_reply) return Close();
    // A huge reply or value must not stay allocated for an idle connection.
    ShrinkIfLarge(&sending_);
    ShrinkIfLarge(&scratch_);
    // Commands left in the parser (the batch stopped at kBatchOutputFlush) run before reading.
    if (more_commands_ && !draining_) {
      asio::post(loop_->context, [self = shared_from_this()] {
        if (!self->closed_) self->RunCommands();
      });
      return;
    }
    WaitReadable();
  }

  static void ShrinkIfLarge(std::string* buffer) {
    if (buffer->capacity() > kKeepBufferBytes) std::string().swap(*buffer);
  }

  ServerState* const state_;
  Loop* const loop_;
  const std::weak_ptr<Loop> loop_ref_;
  tcp::socket socket_;
  resp::RequestParser parser_;
  resp::ReplyWriter writer_;
  const bool await_fsync_;
  std::vector<char> read_buffer_;
  std::string out_;      // replies of the batch being run
  std::string sending_;  // replies being written
  std::string scratch_;
  ClientState client_;
  std::vector<std::pair<uint32_t, uint64_t>> pending_writes_;
  std::vector<std::pair<uint32_t, uint64_t>> durability_targets_;  // of the held batch
  CommandContext::LookupCounts lookups_;    // this batch's keyspace hits and misses
  const CommandSpec* last_spec_ = nullptr;  // the previous command (clients repeat commands)
  bool registered_ = false;
  bool closed_ = false;
  bool idle_ = false;           // waiting for the client to send
  bool more_commands_ = false;  // the last batch stopped early: complete commands may remain
  bool draining_ = false;       // server shutdown: close once idle
};

// Runs on the loop's thread: one fsync per shard the waiting batches wrote (SyncShard returns
// at once for a shard already durable that far), then every waiting batch's replies.
void GroupSync(Loop* loop, Universe* universe) {
  loop->sync_posted = false;
  std::vector<std::shared_ptr<Connection>> waiters;
  waiters.swap(loop->sync_waiters);
  std::vector<std::pair<uint32_t, Status>> synced;
  for (const auto& [shard, lsn] : loop->sync_targets) {
    synced.emplace_back(shard, universe->SyncShard(shard, lsn));
  }
  loop->sync_targets.clear();
  for (const auto& waiter : waiters) waiter->OnGroupSynced(synced);
}

// Runs `context` until it is stopped. After its last handler the loop keeps polling (epoll
// with a zero timeout) for up to `spin` before it blocks in epoll_wait. Measured on 2 cores at
// one request per round trip (docs/resp_server.md, "Busy polling"): a loop that sleeps between
// requests makes every client send pay a wake-up, and every reply wake the client.
void RunLoop(asio::io_context& context, std::chrono::microseconds spin) {
  using Clock = std::chrono::steady_clock;
  auto last_work = Clock::now();
  while (!context.stopped()) {
    if (context.poll() > 0) {
      last_work = Clock::now();
      continue;
    }
    if (Clock::now() - last_work < spin) continue;
    context.run_one();
    last_work = Clock::now();
  }
}

}  // namespace

struct RespServer::Impl {
  explicit Impl(ServerState* state) : state(state) {}

  // Accepts on loop 0 and deals connections out round robin. A failed accept (out of file
  // descriptors, say) is retried after a pause, logged once per pause, instead of spinning.
  void Accept() {
    std::shared_ptr<Loop> target = loops[next_loop++ % loops.size()];
    acceptor->async_accept(target->context, [this, target](const asio::error_code& ec,
                                                           tcp::socket socket) {
      if (stopping || ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        log::Warn("resp: accept failed: ", ec.message(), "; retrying in ", kAcceptRetry.count(),
                  " ms");
        retry_timer->expires_after(kAcceptRetry);
        retry_timer->async_wait([this](const asio::error_code& wait_ec) {
          if (!wait_ec && !stopping) Accept();
        });
        return;
      }
      auto connection = std::make_shared<Connection>(state, target, std::move(socket), await_fsync);
      {
        std::lock_guard<std::mutex> lock(connections_mu);
        if (connections.size() >= prune_at) {
          connections.erase(std::remove_if(connections.begin(), connections.end(),
                                           [](const auto& weak) { return weak.expired(); }),
                            connections.end());
          prune_at = std::max<size_t>(1024, connections.size() * 2);
        }
        connections.push_back(connection);
      }
      asio::post(target->context, [connection] { connection->Start(); });
      Accept();
    });
  }

  static constexpr std::chrono::milliseconds kAcceptRetry{100};

  ServerState* state;
  std::vector<std::shared_ptr<Loop>> loops;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry_timer;
  size_t next_loop = 0;   // the acceptor's loop only
  bool stopping = false;  // the acceptor's loop only
  bool await_fsync = false;
  uint16_t port = 0;
  bool running = false;
  // The connections that may still be open, for shutdown (weak: a closed connection frees
  // itself; expired entries are pruned when the list doubles).
  std::mutex connections_mu;
  std::vector<std::weak_ptr<Connection>> connections;
  size_t prune_at = 1024;
};

namespace {

// Like Redis: maxclients plus a reserve must fit the open-file limit. Raises the soft limit as
// far as the hard one allows, then lowers maxclients if it still does not fit.
void FitMaxclientsToFileLimit(RuntimeConfig* config) {
  constexpr uint64_t kReservedFds = 64;  // WAL segments, snapshots, HTTP, logs
  uint64_t wanted = config->maxclients.load() + kReservedFds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur =
        limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    uint64_t fit = limit.rlim_cur > kReservedFds + 1 ? limit.rlim_cur - kReservedFds : 1;
    log::Warn("resp: maxclients ", config->maxclients.load(), " does not fit the open-file limit ",
              limit.rlim_cur, "; serving at most ", fit, " clients (raise `ulimit -n`)");
    config->maxclients = fit;
  }
}

}  // namespace

RespServer::RespServer(ServerState* state) : impl_(std::make_unique<Impl>(state)) {}

RespServer::~RespServer() { Stop(); }

Status RespServer::Start(const RespServerOptions& options) {
  Impl& impl = *impl_;
  if (impl.running) return Status::InvalidArgument("resp server already started");
  impl.await_fsync = impl.state->universe->options().wal.fsync == FsyncPolicy::kAlways;
  impl.stopping = false;
  FitMaxclientsToFileLimit(&impl.state->config);
  size_t threads = options.io_threads == 0 ? 1 : options.io_threads;
  for (size_t i = 0; i < threads; ++i) impl.loops.push_back(std::make_shared<Loop>(i));
  asio::error_code ec;
  auto address = asio::ip::make_address(options.bind, ec);
  if (ec) {
    impl.loops.clear();
    return Status::InvalidArgument("server.bind: '" + options.bind +
                                   "' is not an IP address: " + ec.message());
  }
  tcp::endpoint endpoint(address, options.port);
  impl.acceptor = std::make_unique<tcp::acceptor>(impl.loops[0]->context);
  impl.acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl.acceptor->bind(endpoint, ec);
  if (!ec) impl.acceptor->listen(511, ec);  // Redis's tcp-backlog
  if (ec) {
    impl.acceptor.reset();
    impl.loops.clear();
    return Status::IOError("resp: cannot listen on " + options.bind + ":" +
                           std::to_string(options.port) + ": " + ec.message());
  }
  impl.retry_timer = std::make_unique<asio::steady_timer>(impl.loops[0]->context);
  impl.port = impl.acceptor->local_endpoint().port();
  impl.Accept();
  for (auto& loop : impl.loops) {
    Loop* raw = loop.get();
    raw->thread =
        std::thread([raw, on_failure = options.on_failure, busy_poll = options.busy_poll] {
          auto guard = asio::make_work_guard(raw->context);
          try {
            RunLoop(raw->context, busy_poll);
          } catch (const std::exception& e) {
            log::Error("resp: event loop ", raw->index, " failed: ", e.what());
            if (on_failure) on_failure(e.what());
          }
        });
  }
  impl.running = true;
  return Status::OK();
}

uint16_t RespServer::port() const { return impl_->port; }

size_t ResolveIoThreads(uint32_t configured) {
  if (configured != 0) return configured;
  size_t cores = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cores / 2, 1, 8);
}

void RespServer::Stop(int drain_ms) {
  Impl& impl = *impl_;
  if (!impl.running) return;
  impl.running = false;
  // Stop accepting, on the acceptor's loop, and wait for it: a connection accepted before the
  // acceptor closed is in `connections` below and gets drained.
  std::promise<void> closed;
  asio::post(impl.loops[0]->context, [&impl, &closed] {
    impl.stopping = true;
    asio::error_code ec;
    impl.acceptor->close(ec);
    impl.retry_timer->cancel();
    closed.set_value();
  });
  if (closed.get_future().wait_for(std::chrono::milliseconds(drain_ms)) !=
      std::future_status::ready) {
    log::Warn("resp: loop 0 did not close the acceptor within ", drain_ms, " ms");
  }
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> lock(impl.connections_mu);
    for (auto& weak : impl.connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
    impl.connections.clear();
  }
  // A connection's state belongs to its loop: Drain runs there.
  for (auto& connection : open) {
    asio::post(connection->loop()->context, [connection] { connection->Drain(); });
  }
  open.clear();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (impl.state->clients->size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& loop : impl.loops) loop->context.stop();
  for (auto& loop : impl.loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  impl.acceptor.reset();
  impl.retry_timer.reset();
  // Destroying a loop destroys its pending handlers and the connections they hold (batches
  // still waiting for a group commit among them: never acknowledged), each of which leaves the
  // client registry.
  for (auto& loop : impl.loops) loop->sync_waiters.clear();
  impl.loops.clear();
}

}  // namespace warp::server
