// Tests supervision/supervisor.h through its message protocol: every test builds a small tree of
// counter children in its own actor_system and drives it from a scoped_actor.
//
// How the tests wait: a child announces each incarnation to the test's scoped_actor from its
// constructor (which runs inside the supervisor's spawn call, hence in spec order) and records
// its end in on_exit() (which CAF runs before it sends the down_msgs). The test waits for those
// announcements or for a monitor's down_msg, always with a generous upper bound (kWait) that only
// guards against hangs. Where only the supervisor's own bookkeeping can show an event (a child
// that is *not* restarted), the test polls which_children in a bounded loop.
#include "supervision/supervisor.h"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace warp::supervision {
namespace {

using std::chrono::milliseconds;
using Ids = std::vector<std::string>;

using crash_atom = caf::atom_constant<caf::atom("t_crash")>;
using finish_atom = caf::atom_constant<caf::atom("t_finish")>;
using started_atom = caf::atom_constant<caf::atom("t_started")>;

// Upper bound for any single event; a hang guard, never a speed assertion.
constexpr milliseconds kWait{10000};
constexpr int kMaxPolls = 1000;

// CAF-0.17.md section 6: two workers that spin briefly, then sleep on a condvar.
struct TestConfig : caf::actor_system_config {
  TestConfig() {
    set("scheduler.max-threads", size_t{2});
    set("work-stealing.aggressive-poll-attempts", size_t{10000});
    set("work-stealing.moderate-poll-attempts", size_t{0});
    set("work-stealing.relaxed-sleep-duration", caf::timespan{milliseconds(1)});
  }
};

// What the children of one test did, in order. Shared by the children (on CAF worker threads)
// and the test thread, hence the mutex.
class Journal {
 public:
  explicit Journal(caf::actor observer) : observer_(std::move(observer)) {}

  void Started(const std::string& id) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      started_.push_back(id);
    }
    caf::anon_send(observer_, started_atom::value, id);
  }
  void Stopped(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_.push_back(id);
  }
  Ids started() const {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  Ids stopped() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

 private:
  caf::actor observer_;
  mutable std::mutex mu_;
  Ids started_;
  Ids stopped_;
};

// A child whose whole state is one integer: a fresh incarnation starts from 0, so a restart shows
// as the value dropping back. `stubborn` children trap exits and ignore user_shutdown.
class CounterChild : public caf::event_based_actor {
 public:
  CounterChild(caf::actor_config& cfg, std::string id, std::shared_ptr<Journal> journal,
               bool stubborn)
      : caf::event_based_actor(cfg),
        id_(std::move(id)),
        journal_(std::move(journal)),
        stubborn_(stubborn) {
    journal_->Started(id_);
  }

  caf::behavior make_behavior() override {
    if (stubborn_) set_exit_handler([](caf::exit_msg&) {});
    // Quietly turn the requested crash into an error exit (the default handler prints).
    set_exception_handler([](caf::scheduled_actor*, std::exception_ptr&) -> caf::error {
      return caf::make_error(caf::sec::runtime_error, "crash requested");
    });
    return {
        [this](caf::add_atom, int32_t n) { return value_ += n; },
        [this](caf::get_atom) { return value_; },
        [](crash_atom) { throw std::runtime_error("crash requested"); },
        [this](finish_atom) { quit(); },
    };
  }

  void on_exit() override { journal_->Stopped(id_); }

 private:
  std::string id_;
  std::shared_ptr<Journal> journal_;
  bool stubborn_;
  int32_t value_ = 0;
};

// One actor_system, one scoped_actor that drives the tree, and helpers around the protocol.
class Fixture {
 public:
  Fixture() : sys_(cfg_), self_(sys_), journal_(std::make_shared<Journal>(caf::actor{self_})) {}

  ~Fixture() {
    // ~actor_system waits for every actor, so never leave a tree running (e.g. after a failed
    // REQUIRE); kill as a last resort so a broken test fails instead of hanging.
    for (auto& root : roots_) {
      if (!ShutdownSupervisor(sys_, root, kWait)) caf::anon_send_exit(root, caf::exit_reason::kill);
    }
  }

  // The first `stubborn_incarnations` incarnations of the child ignore user_shutdown.
  ChildSpec Counter(std::string id, Restart restart = Restart::kPermanent,
                    int stubborn_incarnations = 0, milliseconds shutdown_timeout = kWait) {
    ChildSpec spec;
    spec.id = id;
    auto left = std::make_shared<int>(stubborn_incarnations);  // start runs on one actor only
    spec.start = [id, journal = journal_, left](caf::actor_system& sys) {
      bool stubborn = *left > 0;
      if (stubborn) --*left;
      return sys.spawn<CounterChild>(id, journal, stubborn);
    };
    spec.restart = restart;
    spec.shutdown_timeout = shutdown_timeout;
    return spec;
  }

  caf::actor Spawn(SupervisorFlags flags, std::vector<ChildSpec> children) {
    auto sup = SpawnSupervisor(sys_, std::move(flags), std::move(children));
    roots_.push_back(sup);
    return sup;
  }

  // Waits for the next start announcements and returns their ids in arrival order.
  Ids NextStarts(size_t n) {
    Ids ids;
    for (size_t i = 0; i < n; ++i) {
      bool got = false;
      self_->receive(
          [&](started_atom, const std::string& id) {
            ids.push_back(id);
            got = true;
          },
          caf::after(kWait) >> [] {});
      if (!got) break;
    }
    return ids;
  }

  // Monitors `who` and returns the reason it went down; REQUIREs that it does within kWait.
  caf::error WaitDown(const caf::actor& who) {
    self_->monitor(who);
    caf::error reason;
    bool down = false;
    self_->receive(
        [&](const caf::down_msg& msg) {
          down = msg.source == who.address();
          reason = msg.reason;
        },
        caf::after(kWait) >> [] {});
    REQUIRE(down);
    return reason;
  }

  caf::expected<caf::actor> TryChild(const caf::actor& sup, const std::string& id) {
    caf::expected<caf::actor> result{caf::actor{}};
    self_->request(sup, kWait, get_child_atom::value, id)
        .receive([&](caf::actor& child) { result = std::move(child); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  caf::actor Child(const caf::actor& sup, const std::string& id) {
    auto child = TryChild(sup, id);
    REQUIRE(child);
    return *child;
  }

  template <class... Ts>
  int32_t Ask(const caf::actor& child, Ts... xs) {
    int32_t value = -1;
    self_->request(child, kWait, xs...)
        .receive([&](int32_t x) { value = x; }, [&](caf::error& err) { FAIL(sys_.render(err)); });
    return value;
  }
  int32_t Add(const caf::actor& sup, const std::string& id, int32_t n) {
    return Ask(Child(sup, id), caf::add_atom::value, n);
  }
  int32_t Value(const caf::actor& sup, const std::string& id) {
    return Ask(Child(sup, id), caf::get_atom::value);
  }

  template <class Atom>
  std::vector<ChildStatus> Query(const caf::actor& sup, Atom query) {
    std::vector<ChildStatus> rows;
    self_->request(sup, kWait, query)
        .receive([&](std::vector<ChildStatus>& xs) { rows = std::move(xs); },
                 [&](caf::error& err) { FAIL(sys_.render(err)); });
    return rows;
  }
  std::vector<ChildStatus> Which(const caf::actor& sup) {
    return Query(sup, which_children_atom::value);
  }
  std::vector<ChildStatus> Tree(const caf::actor& sup) {
    return Query(sup, status_tree_atom::value);
  }

  // Polls which_children until `pred` holds, pausing briefly on the mailbox between rounds.
  bool PollChildren(const caf::actor& sup,
                    const std::function<bool(const std::vector<ChildStatus>&)>& pred) {
    for (int round = 0; round < kMaxPolls; ++round) {
      if (pred(Which(sup))) return true;
      self_->receive(caf::after(milliseconds(5)) >> [] {});
    }
    return false;
  }

  std::vector<uint32_t> Restarts(const caf::actor& sup) {
    std::vector<uint32_t> counts;
    for (const auto& row : Which(sup)) counts.push_back(row.restarts);
    return counts;
  }

  caf::actor_system& sys() { return sys_; }
  Journal& journal() { return *journal_; }

 private:
  TestConfig cfg_;
  caf::actor_system sys_;
  caf::scoped_actor self_;
  std::shared_ptr<Journal> journal_;
  std::vector<caf::actor> roots_;
};

SupervisorFlags Flags(std::string name, Strategy strategy, uint32_t max_restarts = 3) {
  SupervisorFlags flags;
  flags.name = std::move(name);
  flags.strategy = strategy;
  flags.max_restarts = max_restarts;
  flags.period = std::chrono::minutes(10);  // long: intensity tests count crashes, not time
  return flags;
}

ChildStatus Row(std::string path, std::string state, uint32_t restarts, bool supervisor = false) {
  ChildStatus row;
  row.path = std::move(path);
  row.state = std::move(state);
  row.restarts = restarts;
  row.supervisor = supervisor;
  return row;
}

// Adds 10 to each of a, b, c, crashes b (by `kill` or by a throwing handler), waits for the
// restarted children to announce themselves, and returns the values of a, b, c.
std::vector<int32_t> CrashMiddleChild(Fixture& f, const caf::actor& sup, bool by_kill,
                                      size_t expected_starts) {
  for (const char* id : {"a", "b", "c"}) REQUIRE(f.Add(sup, id, 10) == 10);
  auto b = f.Child(sup, "b");
  if (by_kill)
    caf::anon_send_exit(b, caf::exit_reason::kill);
  else
    caf::anon_send(b, crash_atom::value);
  REQUIRE(f.NextStarts(expected_starts).size() == expected_starts);
  return {f.Value(sup, "a"), f.Value(sup, "b"), f.Value(sup, "c")};
}

TEST_CASE("children are started one after another in spec order") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c"), f.Counter("d")});
  CHECK(f.NextStarts(4) == Ids{"a", "b", "c", "d"});
  CHECK(f.Which(sup) ==
        std::vector<ChildStatus>{Row("root/a", "running", 0), Row("root/b", "running", 0),
                                 Row("root/c", "running", 0), Row("root/d", "running", 0)});
}

TEST_CASE("one_for_one restarts only the child that crashed") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  CHECK(CrashMiddleChild(f, sup, /*by_kill=*/true, 1) == std::vector<int32_t>{10, 0, 10});
  CHECK(f.journal().started() == Ids{"a", "b", "c", "b"});
  CHECK(f.Restarts(sup) == std::vector<uint32_t>{0, 1, 0});
}

TEST_CASE("one_for_all restarts every child and counts a restart for each") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForAll),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  CHECK(CrashMiddleChild(f, sup, /*by_kill=*/true, 3) == std::vector<int32_t>{0, 0, 0});
  CHECK(f.journal().started() == Ids{"a", "b", "c", "a", "b", "c"});
  CHECK(f.Restarts(sup) == std::vector<uint32_t>{1, 1, 1});
}

TEST_CASE("rest_for_one restarts the crashed child and every child after it") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kRestForOne),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  CHECK(CrashMiddleChild(f, sup, /*by_kill=*/false, 2) == std::vector<int32_t>{10, 0, 0});
  CHECK(f.journal().started() == Ids{"a", "b", "c", "b", "c"});
  CHECK(f.Restarts(sup) == std::vector<uint32_t>{0, 1, 1});
}

TEST_CASE("a group restart stops running siblings in reverse spec order, then starts in order") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForAll),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c"), f.Counter("d")});
  REQUIRE(f.NextStarts(4).size() == 4);
  caf::anon_send(f.Child(sup, "b"), crash_atom::value);
  CHECK(f.NextStarts(4) == Ids{"a", "b", "c", "d"});
  CHECK(f.journal().stopped() == Ids{"b", "d", "c", "a"});
}

TEST_CASE("a permanent child is restarted even after a normal exit") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a"), f.Counter("b")});
  REQUIRE(f.NextStarts(2).size() == 2);
  caf::anon_send(f.Child(sup, "a"), finish_atom::value);
  CHECK(f.NextStarts(1) == Ids{"a"});
  CHECK(f.Restarts(sup) == std::vector<uint32_t>{1, 0});
}

TEST_CASE("a transient child is restarted after a crash but not after a normal exit") {
  Fixture f;
  auto sup = f.Spawn(
      Flags("root", Strategy::kOneForOne),
      {f.Counter("crashes", Restart::kTransient), f.Counter("finishes", Restart::kTransient)});
  REQUIRE(f.NextStarts(2).size() == 2);
  caf::anon_send(f.Child(sup, "crashes"), crash_atom::value);
  CHECK(f.NextStarts(1) == Ids{"crashes"});
  caf::anon_send(f.Child(sup, "finishes"), finish_atom::value);
  CHECK(f.PollChildren(
      sup, [](const std::vector<ChildStatus>& rows) { return rows.at(1).state == "stopped"; }));
  CHECK(f.Which(sup) == std::vector<ChildStatus>{Row("root/crashes", "running", 1),
                                                 Row("root/finishes", "stopped", 0)});
  CHECK(f.journal().started() == Ids{"crashes", "finishes", "crashes"});
  CHECK_FALSE(f.TryChild(sup, "finishes"));
}

TEST_CASE("a temporary child is never restarted and is reported as stopped") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne),
                     {f.Counter("keep"), f.Counter("once", Restart::kTemporary)});
  REQUIRE(f.NextStarts(2).size() == 2);
  caf::anon_send_exit(f.Child(sup, "once"), caf::exit_reason::kill);
  CHECK(f.PollChildren(
      sup, [](const std::vector<ChildStatus>& rows) { return rows.at(1).state == "stopped"; }));
  CHECK(f.Which(sup) ==
        std::vector<ChildStatus>{Row("root/keep", "running", 0), Row("root/once", "stopped", 0)});
  CHECK(f.journal().started() == Ids{"keep", "once"});
}

TEST_CASE("a temporary sibling stopped by a group restart is not started again") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForAll),
                     {f.Counter("a"), f.Counter("tmp", Restart::kTemporary), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  caf::anon_send_exit(f.Child(sup, "a"), caf::exit_reason::kill);
  CHECK(f.NextStarts(2) == Ids{"a", "c"});
  CHECK(f.journal().stopped() == Ids{"a", "c", "tmp"});
  CHECK(f.Which(sup) == std::vector<ChildStatus>{Row("root/a", "running", 1),
                                                 Row("root/tmp", "stopped", 0),
                                                 Row("root/c", "running", 1)});
}

TEST_CASE("children waiting for a group restart are reported as restarting") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForAll),
                     {f.Counter("a"), f.Counter("stubborn", Restart::kPermanent, 1)});
  REQUIRE(f.NextStarts(2).size() == 2);
  auto stubborn = f.Child(sup, "stubborn");
  caf::anon_send_exit(f.Child(sup, "a"), caf::exit_reason::kill);
  // The first `stubborn` ignores user_shutdown and its shutdown_timeout is kWait: the stop round
  // waits on it until the test kills it.
  CHECK(f.PollChildren(
      sup, [](const std::vector<ChildStatus>& rows) { return rows.at(0).state == "restarting"; }));
  CHECK(f.Which(sup) == std::vector<ChildStatus>{Row("root/a", "restarting", 0),
                                                 Row("root/stubborn", "restarting", 0)});
  caf::anon_send_exit(stubborn, caf::exit_reason::kill);
  CHECK(f.NextStarts(2) == Ids{"a", "stubborn"});
  CHECK(f.Restarts(sup) == std::vector<uint32_t>{1, 1});
}

TEST_CASE("get_child returns the new handle after a restart and an error for unknown ids") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a"), f.Counter("b")});
  REQUIRE(f.NextStarts(2).size() == 2);
  auto old_b = f.Child(sup, "b");
  caf::anon_send_exit(old_b, caf::exit_reason::kill);
  REQUIRE(f.NextStarts(1) == Ids{"b"});
  auto new_b = f.Child(sup, "b");
  CHECK(new_b != old_b);
  CHECK(f.Add(sup, "b", 7) == 7);
  auto missing = f.TryChild(sup, "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == caf::sec::invalid_argument);
  CHECK_THAT(f.sys().render(missing.error()), Catch::Contains("nope"));
}

TEST_CASE("a top-level supervisor that exceeds its restart intensity goes down") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne, /*max_restarts=*/2),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  for (int i = 0; i < 2; ++i) {
    caf::anon_send_exit(f.Child(sup, "b"), caf::exit_reason::kill);
    REQUIRE(f.NextStarts(1) == Ids{"b"});
  }
  caf::anon_send_exit(f.Child(sup, "b"), caf::exit_reason::kill);  // third restart: one too many
  auto reason = f.WaitDown(sup);
  CHECK(reason == caf::sec::runtime_error);
  CHECK_THAT(f.sys().render(reason), Catch::Contains("intensity"));
  // The remaining children were stopped in reverse spec order before the supervisor quit.
  CHECK(f.journal().stopped() == Ids{"b", "b", "b", "c", "a"});
}

TEST_CASE("a nested supervisor that exceeds its intensity is restarted by its parent") {
  Fixture f;
  auto storage = SupervisorChild("storage", Flags("storage", Strategy::kOneForOne, 1),
                                 {f.Counter("shard-00"), f.Counter("shard-01")});
  auto root = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("universe"), storage});
  REQUIRE(f.NextStarts(3) == Ids{"universe", "shard-00", "shard-01"});
  REQUIRE(f.Add(root, "universe", 5) == 5);
  auto old_storage = f.Child(root, "storage");
  caf::anon_send_exit(f.Child(old_storage, "shard-00"), caf::exit_reason::kill);
  REQUIRE(f.NextStarts(1) == Ids{"shard-00"});
  caf::anon_send_exit(f.Child(old_storage, "shard-00"), caf::exit_reason::kill);
  // storage escalates; root starts a fresh storage, which starts fresh shards.
  CHECK(f.NextStarts(2) == Ids{"shard-00", "shard-01"});
  CHECK(f.Child(root, "storage") != old_storage);
  CHECK(f.Which(root) == std::vector<ChildStatus>{Row("root/universe", "running", 0),
                                                  Row("root/storage", "running", 1, true)});
  CHECK(f.Value(root, "universe") == 5);
  CHECK(f.journal().stopped() == Ids{"shard-00", "shard-00", "shard-01"});
}

TEST_CASE("escalation continues upwards when the parent's intensity is exceeded too") {
  Fixture f;
  auto storage = SupervisorChild("storage", Flags("storage", Strategy::kOneForOne, 0),
                                 {f.Counter("shard-00")});
  auto root = f.Spawn(Flags("root", Strategy::kOneForOne, 0), {f.Counter("universe"), storage});
  REQUIRE(f.NextStarts(2).size() == 2);
  auto shard = f.Child(f.Child(root, "storage"), "shard-00");
  caf::anon_send_exit(shard, caf::exit_reason::kill);
  auto reason = f.WaitDown(root);
  CHECK(reason == caf::sec::runtime_error);
  CHECK(f.journal().stopped() == Ids{"shard-00", "universe"});
}

TEST_CASE("shutdown stops children one at a time in reverse spec order") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne),
                     {f.Counter("a"), f.Counter("b"), f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  CHECK(ShutdownSupervisor(f.sys(), sup, kWait));
  CHECK(f.journal().stopped() == Ids{"c", "b", "a"});
}

TEST_CASE("a child that ignores the shutdown request is killed after its shutdown_timeout") {
  Fixture f;
  auto sup =
      f.Spawn(Flags("root", Strategy::kOneForOne),
              {f.Counter("a"), f.Counter("stubborn", Restart::kPermanent, 1, milliseconds(20)),
               f.Counter("c")});
  REQUIRE(f.NextStarts(3).size() == 3);
  CHECK(ShutdownSupervisor(f.sys(), sup, kWait));
  CHECK(f.journal().stopped() == Ids{"c", "stubborn", "a"});
}

TEST_CASE("shutting down a tree stops a nested supervisor's children before earlier siblings") {
  Fixture f;
  auto sub = SupervisorChild("sub", Flags("sub", Strategy::kOneForOne),
                             {f.Counter("s1"), f.Counter("s2")});
  auto root = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a"), sub, f.Counter("b")});
  REQUIRE(f.NextStarts(4).size() == 4);
  CHECK(ShutdownSupervisor(f.sys(), root, kWait));
  CHECK(f.journal().stopped() == Ids{"b", "s2", "s1", "a"});
}

TEST_CASE("status_tree reports paths, states and restart counts depth-first in spec order") {
  Fixture f;
  auto storage = SupervisorChild("storage", Flags("storage", Strategy::kOneForOne),
                                 {f.Counter("shard-00"), f.Counter("shard-01")});
  auto root = f.Spawn(Flags("root", Strategy::kOneForOne),
                      {f.Counter("universe"), storage, f.Counter("once", Restart::kTemporary)});
  REQUIRE(f.NextStarts(4).size() == 4);
  caf::anon_send_exit(f.Child(f.Child(root, "storage"), "shard-01"), caf::exit_reason::kill);
  REQUIRE(f.NextStarts(1) == Ids{"shard-01"});
  caf::anon_send(f.Child(root, "once"), finish_atom::value);
  REQUIRE(f.PollChildren(
      root, [](const std::vector<ChildStatus>& rows) { return rows.at(2).state == "stopped"; }));
  CHECK(f.Tree(root) == std::vector<ChildStatus>{
                            Row("root/universe", "running", 0),
                            Row("root/storage", "running", 0, true),
                            Row("root/storage/shard-00", "running", 0),
                            Row("root/storage/shard-01", "running", 1),
                            Row("root/once", "stopped", 0),
                        });
  // Asked directly, the nested supervisor uses its own name as the prefix.
  CHECK(f.Which(f.Child(root, "storage")).at(1).path == "storage/shard-01");
}

TEST_CASE("a child whose start fails makes the initial start fail and stops the started ones") {
  Fixture f;
  ChildSpec bad;
  bad.id = "bad";
  bad.start = [](caf::actor_system&) { return caf::actor{}; };
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne),
                     {f.Counter("a"), f.Counter("b"), bad, f.Counter("c")});
  auto reason = f.WaitDown(sup);
  CHECK(reason == caf::sec::runtime_error);
  CHECK_THAT(f.sys().render(reason), Catch::Contains("bad"));
  CHECK(f.journal().started() == Ids{"a", "b"});
  CHECK(f.journal().stopped() == Ids{"b", "a"});
}

TEST_CASE("a child that cannot be restarted makes its supervisor escalate") {
  Fixture f;
  ChildSpec flaky = f.Counter("flaky");
  auto calls = std::make_shared<int>(0);
  flaky.start = [calls, first = flaky.start](caf::actor_system& sys) {
    return ++*calls == 1 ? first(sys) : caf::actor{};  // only the first start succeeds
  };
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne, 2), {f.Counter("a"), flaky});
  REQUIRE(f.NextStarts(2).size() == 2);
  caf::anon_send_exit(f.Child(sup, "flaky"), caf::exit_reason::kill);
  // Restart 1 is the crash, restarts 2 and 3 are the failed starts; 3 > 2 escalates.
  CHECK(f.WaitDown(sup) == caf::sec::runtime_error);
  CHECK(*calls == 3);
  CHECK(f.journal().stopped() == Ids{"flaky", "a"});
}

TEST_CASE("killing a child with exit_reason::kill leaves its supervisor running") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a")});
  REQUIRE(f.NextStarts(1).size() == 1);
  // With a plain CAF link this would kill the supervisor too (see docs/supervision.md).
  caf::anon_send_exit(f.Child(sup, "a"), caf::exit_reason::kill);
  REQUIRE(f.NextStarts(1) == Ids{"a"});
  CHECK(f.Which(sup) == std::vector<ChildStatus>{Row("root/a", "running", 1)});
}

TEST_CASE("a supervisor that is killed outright takes its whole tree down with it") {
  Fixture f;
  auto sub = SupervisorChild("sub", Flags("sub", Strategy::kOneForOne), {f.Counter("s1")});
  auto root = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a"), sub});
  REQUIRE(f.NextStarts(2).size() == 2);
  auto a = f.Child(root, "a");
  auto s1 = f.Child(f.Child(root, "sub"), "s1");
  caf::anon_send_exit(root, caf::exit_reason::kill);
  CHECK(f.WaitDown(a) == caf::exit_reason::kill);
  CHECK(f.WaitDown(s1) == caf::exit_reason::kill);
}

TEST_CASE("duplicate child ids make the supervisor quit with invalid_argument") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a"), f.Counter("a")});
  auto reason = f.WaitDown(sup);
  CHECK(reason == caf::sec::invalid_argument);
  CHECK(f.journal().started().empty());
}

TEST_CASE("ShutdownSupervisor returns true for a supervisor that is already down") {
  Fixture f;
  auto sup = f.Spawn(Flags("root", Strategy::kOneForOne), {f.Counter("a")});
  REQUIRE(f.NextStarts(1).size() == 1);
  CHECK(ShutdownSupervisor(f.sys(), sup, kWait));
  CHECK(ShutdownSupervisor(f.sys(), sup, kWait));
  CHECK(ShutdownSupervisor(f.sys(), caf::actor{}, kWait));
}

}  // namespace
}  // namespace warp::supervision
