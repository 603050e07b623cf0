// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of every WAL
// record and segment header. Uses the SSE4.2 crc32 instruction when the CPU has it (checked once
// at run time) and a table-driven software loop otherwise; both give identical results.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace warp::crc32c {

// The CRC32C of data[0, n) appended to a message whose CRC32C is `crc` (0 for an empty one),
// so Extend(Value(a), b) == Value(a + b).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// The CRC32C of data[0, n).
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// Extend() by the portable table-driven path, whatever the CPU (exposed for tests).
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);

// True when Extend() uses the SSE4.2 instruction on this machine.
bool IsHardwareAccelerated();

// Stored CRCs are masked (as leveldb does): the CRC of a string that itself contains CRCs is
// otherwise prone to degenerate values. Unmask(Mask(c)) == c.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace warp::crc32c
