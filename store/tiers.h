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
// Observation, as Redis's LFU: each record keeps a logarithmic access counter (0..255) and the
// heat clock's minute of its last access. An access raises the counter with probability
// 1 / ((counter - kInitialHeat) * kHeatLogFactor + 1), so it needs about 10 accesses to go
// from 5 to 6, and a million to reach 255; the counter decays by one per `decay_minutes`
// minutes without access. New records start at kInitialHeat so that they are not demoted
// before they had a chance to be read. Demotion (Hawking radiation) picks the records with the
// lowest decayed heat; a warm or cold record whose heat reaches the promotion threshold on a
// read is made hot again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/table_record.h"
#include "store/value_log_format.h"
#include "warp/options.h"
#include "warp/status.h"

namespace warp::tiers {

constexpr uint8_t kInitialHeat = 5;
constexpr uint32_t kHeatLogFactor = 10;

// The counter after decay: one step per `decay_minutes` minutes since `touched`.
uint8_t DecayedHeat(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes);
// Records an access at `now_minute` (decay first, then the probabilistic increment); returns
// the new counter. Safe under a shared lock (relaxed atomics).
uint8_t Observe(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes);
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
