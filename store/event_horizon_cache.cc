#include "store/event_horizon_cache.h"

#include <lz4.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace warp {

// Aligned so that two stripes' mutexes never share a cache line.
struct alignas(64) EventHorizonCache::Stripe {
  mutable std::mutex mu;
  List lru[2];  // per level, most recently used first
  // Keys view the key bytes of the list nodes, which never move (splice relinks them).
  // A flat table: a lookup reads its control bytes and one slot, not a chain of nodes.
  absl::flat_hash_map<std::string_view, List::iterator> index;
  uint64_t cap[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};
  uint64_t l1_hits = 0, l2_hits = 0, misses = 0, inserts = 0;
  uint64_t l1_evictions = 0, demotions = 0, l2_evictions = 0;
};

namespace {

constexpr int kL1 = 0;
constexpr int kL2 = 1;

uint64_t Charge(size_t key_size, size_t value_size) {
  return key_size + value_size + EventHorizonCache::kEntryOverheadBytes;
}

// Strings the cache keeps are constructed at their exact size, never assigned into or resized:
// libstdc++ rounds a growing string's capacity up to twice the old one, and the per-entry
// overhead constant only allows for malloc's own rounding.

// The LZ4 block of `value` in *out, or false when LZ4 would not make it smaller: keeping such a
// value would cost more than it saves.
bool Compress(const std::string& value, std::string* out) {
  if (value.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return false;
  int raw = static_cast<int>(value.size());
  std::string buffer(static_cast<size_t>(LZ4_compressBound(raw)), '\0');
  int n = LZ4_compress_default(value.data(), buffer.data(), raw, static_cast<int>(buffer.size()));
  if (n <= 0 || static_cast<size_t>(n) >= value.size()) return false;
  *out = std::string(buffer.data(), static_cast<size_t>(n));
  return true;
}

bool Decompress(const std::string& block, uint32_t raw_size, std::string* out) {
  std::string raw(raw_size, '\0');
  int n = LZ4_decompress_safe(block.data(), raw.data(), static_cast<int>(block.size()),
                              static_cast<int>(raw_size));
  if (n < 0 || static_cast<uint32_t>(n) != raw_size) return false;
  *out = std::move(raw);
  return true;
}

}  // namespace

EventHorizonCache::EventHorizonCache(const Options& options)
    : l1_share_(std::clamp(options.l1_share, 0.0, 1.0)),
      compress_min_bytes_(options.compress_min_bytes),
      stripe_count_(std::max<uint32_t>(options.stripes, 1)),
      stripes_(new Stripe[stripe_count_]),
      capacity_(options.capacity_bytes) {
  for (size_t i = 0; i < stripe_count_; ++i) {
    SetStripeCapacity(stripes_[i], StripeCapacity(options.capacity_bytes, i));
  }
}

EventHorizonCache::~EventHorizonCache() = default;

EventHorizonCache::Stripe& EventHorizonCache::StripeOf(std::string_view key) const {
  // The index hashes the same key with the same function; a multiplicative mix keeps the stripe
  // choice from correlating with the index's bucket choice.
  uint64_t h = std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ull;
  return stripes_[(h >> 32) % stripe_count_];
}

uint64_t EventHorizonCache::StripeCapacity(uint64_t capacity, size_t i) const {
  return capacity / stripe_count_ + (i < capacity % stripe_count_ ? 1 : 0);
}

void EventHorizonCache::SetStripeCapacity(Stripe& s, uint64_t stripe_capacity) {
  auto l1 = static_cast<uint64_t>(static_cast<double>(stripe_capacity) * l1_share_);
  s.cap[kL1] = std::min(l1, stripe_capacity);  // double rounding must not overshoot
  s.cap[kL2] = stripe_capacity - s.cap[kL1];
}

void EventHorizonCache::Remove(Stripe& s, List::iterator it) {
  int lvl = it->level - 1;
  s.bytes[lvl] -= Charge(it->key.size(), it->value.size());
  s.index.erase(std::string_view(it->key));
  s.lru[lvl].erase(it);
  // A hash table keeps the slots of its largest size; after the stripe has shrunk to a quarter
  // of them, give them back so that slots cost at most 4 per entry (counted in
  // kEntryOverheadBytes). Shrinking only at 4x makes the rehash amortized O(1) per removal.
  if (s.index.bucket_count() > 4 * s.index.size() + 16) s.index.rehash(0);
}

void EventHorizonCache::EvictL1Tail(Stripe& s) {
  auto it = std::prev(s.lru[kL1].end());
  ++s.l1_evictions;
  std::string block;
  if (it->value.size() < compress_min_bytes_ || !Compress(it->value, &block) ||
      Charge(it->key.size(), block.size()) > s.cap[kL2]) {
    Remove(s, it);
    return;
  }
  s.bytes[kL1] -= Charge(it->key.size(), it->value.size());
  it->raw_size = static_cast<uint32_t>(it->value.size());  // Compress refused 4 GiB and more
  it->value = std::move(block);
  it->level = 2;
  s.bytes[kL2] += Charge(it->key.size(), it->value.size());
  s.lru[kL2].splice(s.lru[kL2].begin(), s.lru[kL1], it);
  ++s.demotions;
}

void EventHorizonCache::EvictOverflow(Stripe& s) {
  while (s.bytes[kL1] > s.cap[kL1]) EvictL1Tail(s);
  while (s.bytes[kL2] > s.cap[kL2]) {
    Remove(s, std::prev(s.lru[kL2].end()));
    ++s.l2_evictions;
  }
}

bool EventHorizonCache::Lookup(std::string_view key, uint64_t version, std::string* value,
                               int* level) {
  Stripe& s = StripeOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto found = s.index.find(key);
  if (found == s.index.end()) {
    ++s.misses;
    return false;
  }
  List::iterator it = found->second;
  if (it->version != version) {
    Remove(s, it);
    ++s.misses;
    return false;
  }
  it->tick = NextTick();
  if (it->level == 1) {
    s.lru[kL1].splice(s.lru[kL1].begin(), s.lru[kL1], it);
    value->assign(it->value);
    ++s.l1_hits;
    if (level != nullptr) *level = 1;
    return true;
  }
  std::string raw;
  if (!Decompress(it->value, it->raw_size, &raw)) {
    // Only this cache wrote the block: a failure is a bug, but the value log still has the value.
    assert(false && "event horizon cache: level-2 block does not decompress");
    Remove(s, it);
    ++s.misses;
    return false;
  }
  ++s.l2_hits;
  if (level != nullptr) *level = 2;
  if (Charge(it->key.size(), raw.size()) > s.cap[kL1]) {
    // Shrunk below this entry's level-1 charge: promoting would only demote it again.
    s.lru[kL2].splice(s.lru[kL2].begin(), s.lru[kL2], it);
    *value = std::move(raw);
    return true;
  }
  value->assign(raw);
  s.bytes[kL2] -= Charge(it->key.size(), it->value.size());
  it->value = std::move(raw);
  it->level = 1;
  s.bytes[kL1] += Charge(it->key.size(), it->value.size());
  s.lru[kL1].splice(s.lru[kL1].begin(), s.lru[kL2], it);
  EvictOverflow(s);
  return true;
}

void EventHorizonCache::Insert(std::string_view key, uint64_t version, std::string_view value) {
  Stripe& s = StripeOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto found = s.index.find(key);
  if (found != s.index.end()) Remove(s, found->second);
  uint64_t charge = Charge(key.size(), value.size());
  if (charge > s.cap[kL1]) return;
  Entry& e = s.lru[kL1].emplace_front();
  e.key = std::string(key);
  e.value = std::string(value);
  e.version = version;
  e.tick = NextTick();
  s.index.emplace(std::string_view(e.key), s.lru[kL1].begin());
  s.bytes[kL1] += charge;
  ++s.inserts;
  EvictOverflow(s);
}

void EventHorizonCache::Erase(std::string_view key) {
  Stripe& s = StripeOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto found = s.index.find(key);
  if (found != s.index.end()) Remove(s, found->second);
}

void EventHorizonCache::Clear() {
  for (size_t i = 0; i < stripe_count_; ++i) {
    Stripe& s = stripes_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    decltype(s.index)().swap(s.index);  // clear() would keep the buckets
    for (int lvl : {kL1, kL2}) {
      s.lru[lvl].clear();
      s.bytes[lvl] = 0;
    }
  }
}

void EventHorizonCache::SetCapacity(uint64_t bytes) {
  std::lock_guard<std::mutex> capacity_lock(capacity_mu_);
  capacity_.store(bytes, std::memory_order_relaxed);
  for (size_t i = 0; i < stripe_count_; ++i) {
    Stripe& s = stripes_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    SetStripeCapacity(s, StripeCapacity(bytes, i));
    EvictOverflow(s);
  }
}

EventHorizonStats EventHorizonCache::Stats() const {
  EventHorizonStats out;
  out.capacity = capacity_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < stripe_count_; ++i) {
    const Stripe& s = stripes_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    out.l1_hits += s.l1_hits;
    out.l2_hits += s.l2_hits;
    out.misses += s.misses;
    out.inserts += s.inserts;
    out.l1_evictions += s.l1_evictions;
    out.demotions += s.demotions;
    out.l2_evictions += s.l2_evictions;
    out.l1_entries += s.lru[kL1].size();
    out.l2_entries += s.lru[kL2].size();
    out.l1_bytes += s.bytes[kL1];
    out.l2_bytes += s.bytes[kL2];
  }
  return out;
}

std::vector<std::string> EventHorizonCache::HottestKeys(size_t n) const {
  std::vector<std::string> out;
  for (int lvl : {kL1, kL2}) {
    size_t want = n - out.size();
    if (want == 0) break;
    // Each stripe's list is in tick order already, so its first `want` entries are the only
    // candidates it can contribute.
    std::vector<std::pair<uint64_t, std::string>> candidates;
    for (size_t i = 0; i < stripe_count_; ++i) {
      const Stripe& s = stripes_[i];
      std::lock_guard<std::mutex> lock(s.mu);
      size_t taken = 0;
      for (auto it = s.lru[lvl].begin(); it != s.lru[lvl].end() && taken < want; ++it, ++taken) {
        candidates.emplace_back(it->tick, it->key);
      }
    }
    size_t keep = std::min(want, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < keep; ++i) out.push_back(std::move(candidates[i].second));
  }
  return out;
}

}  // namespace warp
