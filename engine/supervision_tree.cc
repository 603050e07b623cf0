#include "engine/supervision_tree.h"

#include <caf/scoped_actor.hpp>

#include "actors/shard_actor.h"
#include "actors/snapshot_actor.h"
#include "actors/wal_actor.h"
#include "store/filename.h"
#include "supervision/supervisor.h"

namespace warp {

namespace {

supervision::SupervisorFlags Flags(const char* name, const Options& options) {
  supervision::SupervisorFlags flags;
  flags.name = name;
  flags.strategy = supervision::Strategy::kOneForOne;
  flags.max_restarts = options.supervision.max_restarts;
  flags.period = std::chrono::milliseconds(options.supervision.period_ms);
  return flags;
}

// "wal-07": the WAL writer actor of shard-07.
std::string WalActorId(uint32_t shard) {
  std::string name = filename::ShardName(shard);
  return "wal-" + name.substr(name.find('-') + 1);
}

std::vector<supervision::ChildSpec> ShardSpecs(const Options& options,
                                               const std::shared_ptr<ControllerContext>& context) {
  std::vector<supervision::ChildSpec> specs;
  auto interval = std::chrono::milliseconds(options.stats_interval_ms);
  for (const auto& table : context->tables()) {
    supervision::ChildSpec spec;
    spec.id = filename::ShardName(table->shard_id());
    // Each incarnation adopts the same table: the table is the shard's ETS heir.
    spec.start = [table, interval](caf::actor_system& system) {
      return SpawnShardActor(system, table, interval);
    };
    spec.restart = supervision::Restart::kPermanent;
    specs.push_back(std::move(spec));
  }
  for (uint32_t shard = 0; shard < context->logs().size(); ++shard) {
    const std::shared_ptr<ShardLog>& log = context->logs()[shard];
    supervision::ChildSpec spec;
    spec.id = WalActorId(shard);
    spec.start = [log](caf::actor_system& system) { return SpawnWalActor(system, log); };
    spec.restart = supervision::Restart::kPermanent;
    specs.push_back(std::move(spec));
  }
  supervision::ChildSpec snapshotter;
  snapshotter.id = "snapshotter";
  snapshotter.start = [context, snapshot = options.snapshot](caf::actor_system& system) {
    return SpawnSnapshotter(system, context->checkpointers(), snapshot);
  };
  snapshotter.restart = supervision::Restart::kPermanent;
  specs.push_back(std::move(snapshotter));
  return specs;
}

// The current handle of child `id`, or an invalid handle if it did not answer in time.
caf::actor ChildOf(caf::scoped_actor& self, const caf::actor& parent, const std::string& id,
                   std::chrono::milliseconds timeout) {
  caf::actor child;
  self->request(parent, timeout, supervision::get_child_atom::value, id)
      .receive([&](caf::actor& handle) { child = std::move(handle); }, [](caf::error&) {});
  return child;
}

}  // namespace

Status AwaitShardsStarted(caf::actor_system& system, const caf::actor& root, uint32_t shards,
                          std::chrono::milliseconds timeout) {
  caf::scoped_actor self{system};
  caf::actor storage = ChildOf(self, root, "storage", timeout);
  for (uint32_t shard = 0; storage && shard < shards; ++shard) {
    std::string id = filename::ShardName(shard);
    caf::actor actor = ChildOf(self, storage, id, timeout);
    bool started = false;
    if (actor) {
      self->request(actor, timeout, caf::get_atom::value)
          .receive([&](uint32_t incarnation) { started = incarnation > 0; }, [](caf::error&) {});
    }
    if (!started) return Status::Unavailable(id + " did not start");
  }
  if (!storage) return Status::Unavailable("the storage supervisor did not start");
  return Status::OK();
}

caf::actor StartSupervisionTree(caf::actor_system& system, const Options& options,
                                std::shared_ptr<ControllerContext> context) {
  supervision::ChildSpec controller;
  controller.id = "universe";
  controller.start = [context](caf::actor_system& sys) {
    return SpawnUniverseController(sys, context);
  };
  std::vector<supervision::ChildSpec> root_children;
  root_children.push_back(std::move(controller));
  root_children.push_back(supervision::SupervisorChild("storage", Flags("storage", options),
                                                       ShardSpecs(options, context)));
  caf::actor root =
      supervision::SpawnSupervisor(system, Flags("root", options), std::move(root_children));
  context->set_root(root);
  return root;
}

}  // namespace warp
