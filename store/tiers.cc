#include "store/tiers.h"

#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace warp::tiers {

namespace {

void PutFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// True with probability 1 / (1 + n), from a per-thread xorshift generator (no lock, no shared
// state, no floating point on the read path).
bool OneIn(uint32_t n_plus_one) {
  thread_local uint64_t state = std::random_device{}() | 1;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<uint32_t>(state >> 32) % n_plus_one == 0;
}

}  // namespace

uint8_t DecayedHeat(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes) {
  uint8_t heat = r.heat.load(std::memory_order_relaxed);
  if (decay_minutes == 0) return heat;
  auto elapsed = static_cast<uint16_t>(now_minute - r.touched.load(std::memory_order_relaxed));
  uint32_t steps = elapsed / decay_minutes;
  return steps >= heat ? 0 : static_cast<uint8_t>(heat - steps);
}

uint8_t Observe(const TableRecord& r, uint16_t now_minute, uint32_t decay_minutes,
                uint8_t* before) {
  uint8_t stored = r.heat.load(std::memory_order_relaxed);
  uint8_t heat = DecayedHeat(r, now_minute, decay_minutes);
  if (before != nullptr) *before = heat;
  if (heat < 255) {
    uint32_t base = heat > kInitialHeat ? heat - kInitialHeat : 0;
    if (base == 0 || OneIn(base * kHeatLogFactor + 1)) ++heat;
  }
  auto& mutable_record = const_cast<TableRecord&>(r);  // the heat fields are relaxed atomics
  if (heat != stored) mutable_record.heat.store(heat, std::memory_order_relaxed);
  if (r.touched.load(std::memory_order_relaxed) != now_minute) {
    mutable_record.touched.store(now_minute, std::memory_order_relaxed);
  }
  return heat;
}

void RaiseHeat(const TableRecord& r, uint8_t heat, uint16_t now_minute, uint32_t decay_minutes) {
  auto& mutable_record = const_cast<TableRecord&>(r);  // the heat fields are relaxed atomics
  mutable_record.heat.store(std::max(heat, DecayedHeat(r, now_minute, decay_minutes)),
                            std::memory_order_relaxed);
  mutable_record.touched.store(now_minute, std::memory_order_relaxed);
}

void InitHeat(TableRecord& r, uint16_t now_minute) {
  r.heat.store(kInitialHeat, std::memory_order_relaxed);
  r.touched.store(now_minute, std::memory_order_relaxed);
}

uint32_t ValueSize(const TableRecord& r) {
  std::string_view payload = r.payload();
  switch (static_cast<Tier>(r.tier)) {
    case Tier::kWarm:
      return GetFixed32(payload.data());
    case Tier::kCold:
      return GetFixed32(payload.data() + 16);
    default:
      return static_cast<uint32_t>(payload.size());
  }
}

bool CompressWarm(std::string_view value, std::string* payload) {
  int bound = LZ4_compressBound(static_cast<int>(value.size()));
  payload->resize(4 + static_cast<size_t>(bound));
  PutFixed32(payload->data(), static_cast<uint32_t>(value.size()));
  int n = LZ4_compress_default(value.data(), payload->data() + 4, static_cast<int>(value.size()),
                               bound);
  if (n <= 0) return false;
  payload->resize(4 + static_cast<size_t>(n));
  return payload->size() <= value.size() - value.size() / 8;
}

Status DecompressWarm(std::string_view payload, std::string* value) {
  if (payload.size() < 4) return Status::Corruption("warm payload shorter than its header");
  uint32_t size = GetFixed32(payload.data());
  value->resize(size);
  int n = LZ4_decompress_safe(payload.data() + 4, value->data(),
                              static_cast<int>(payload.size() - 4), static_cast<int>(size));
  if (n < 0 || static_cast<uint32_t>(n) != size) {
    return Status::Corruption("warm payload does not decompress to its " + std::to_string(size) +
                              " bytes");
  }
  return Status::OK();
}

std::string EncodeColdPayload(const ValuePointer& where, uint32_t value_size) {
  std::string payload(kColdPayloadSize, '\0');
  PutFixed32(payload.data(), where.file_id);
  PutFixed64(payload.data() + 4, where.offset);
  PutFixed32(payload.data() + 12, where.size);
  PutFixed32(payload.data() + 16, value_size);
  return payload;
}

ValuePointer DecodeColdPointer(std::string_view payload) {
  ValuePointer where;
  where.file_id = GetFixed32(payload.data());
  where.offset = GetFixed64(payload.data() + 4);
  where.size = GetFixed32(payload.data() + 12);
  return where;
}

}  // namespace warp::tiers
