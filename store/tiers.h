// Residency tiers of a table record ("physics laws"), and observation (heat tracking).
//
// A TableRecord's payload depends on its tier:
//   hot   the value's bytes;
//   warm  [raw size: fixed32 LE][an LZ4 block of the value] (in memory, decompressed per read);
//   cold  [file id: fixed32][offset: fixed64][record size: fixed32][value size: fixed32], all
//         little-endian: where the value lives in the shard's value log
//         (store/value_log_format.h); reads go through the event horizon cache.
// These payloads live in memory only: the WAL and snapshots always hold raw values, so no
// on-disk format depends on them.
//
// Observation, after Redis's LFU: each record keeps a logarithmic access counter (0..255) and
// the heat clock's minute of its last access. An access raises the counter with probability
// 1 / ((counter - kInitialHeat) * kHeatLogFactor + 1), so the counter grows with about the square
// root of the accesses: 1 access takes a new record from 5 to 6, 4 to 7, 9 to 8, 16 to 9, and
// about 60,000 to 255. (Redis's lfu-log-factor is 10: a dozen reads then all look alike, too
// coarse to tell the keys just inside a memory budget from those just outside it.) The counter
// decays by one per `decay_minutes` minutes without access. New records start at kInitialHeat
// so that they are not demoted before they had a chance to be read.
//
// Demotion (Hawking radiation) picks the records with the lowest decayed heat. Promotion is an
// admission decision, as TinyLFU's: a warm or cold record read to a heat of at least
// kMinPromoteHeat is made hot again only if it is hotter than the records demotion has been
// taking (VictimHeat below), so that a record does not displace a hotter one and a uniform
// workload does not churn the tiers.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/table_record.h"
#include "store/value_log_format.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp::tiers {

constexpr uint8_t kInitialHeat = 5;
constexpr uint32_t kHeatLogFactor = 2;
// The least heat at which a read promotes (about 4 reads of a new record).
constexpr uint8_t kMinPromoteHeat = kInitialHeat + 2;
// The least heat, before a read, at which the read of a cold value looks in the event horizon
// cache and, on a miss, caches what it read from the value log: a key read before since it was
// written (or since its heat decayed). A doorkeeper: values read once, by a scan or a uniform
// workload, would only evict others. Keys read again but not yet hot enough to promote are what
// the cache holds.
constexpr uint8_t kCacheHeat = kInitialHeat + 1;

// The heat of the records demotion has been taking, smoothed over its windows: an exponential
// moving average of each window's hottest demoted record, in sixteenths. Thread-safety: Add
// must be serialized by the caller (demotion holds its mutex); the other members may be called
// from any thread.
class VictimHeat {
 public:
  void Add(uint8_t window_max) {
    uint32_t old = sixteenths_.load(std::memory_order_relaxed);
    uint32_t sample = static_cast<uint32_t>(window_max) * 16;
    sixteenths_.store(old == 0 ? sample : old - old / 8 + sample / 8, std::memory_order_relaxed);
  }
  // The heat a read must reach to promote: above the smoothed victims, at least kMinPromoteHeat.
  uint8_t PromoteThreshold() const {
    uint32_t victims = (sixteenths_.load(std::memory_order_relaxed) + 8) / 16;  // rounded
    return static_cast<uint8_t>(
        std::min<uint32_t>(255, std::max<uint32_t>(kMinPromoteHeat, victims + 1)));
  }

 private:
  std::atomic<uint32_t> sixteenths_{0};
};

// The counter after decay: one step per `decay_minutes` minutes since `touched`.
uint8_t DecayedHeat(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes);
// Records an access at `now_minute` (decay first, then the probabilistic increment); returns
// the new counter, and sets *before (if not null) to the decayed counter before this access.
// Safe under a shared lock (relaxed atomics); stores only what changed, so that concurrent
// readers of a hot key do not keep writing its cache line.
uint8_t Observe(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes,
                uint8_t* before = nullptr);
// Raises the record's decayed heat to at least `heat`, touched at `now_minute`, without
// counting an access (the cache warm-up marks keys as read before). Safe under a shared lock.
void RaiseHeat(const TableRecord& r, uint8_t heat, uint16_t now_minute, uint32_t decay_minutes);
// Sets a new record's heat (kInitialHeat, touched now).
void InitHeat(TableRecord& r, uint16_t now_minute);

// Logical size of the record's value, whatever its tier.
uint32_t ValueSize(const TableRecord& r);

// Warm payloads. CompressWarm returns false (and leaves *payload unspecified) when LZ4 does not
// save at least an eighth of the value: such a value is not worth keeping compressed.
bool CompressWarm(std::string_view value, std::string* payload);
// Corruption if the payload is not a valid warm payload (it is in memory: a bug, not a disk).
Status DecompressWarm(std::string_view payload, std::string* value);

// Cold payloads.
constexpr size_t kColdPayloadSize = 20;
std::string EncodeColdPayload(const ValuePointer& where, uint32_t value_size);
ValuePointer DecodeColdPointer(std::string_view payload);

}  // namespace warp::tiers
