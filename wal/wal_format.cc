#include "wal/wal_format.h"

#include <cstring>

#include "common/crc32c.h"

namespace warp::wal {

std::string SegmentFileName(uint64_t first_lsn) {
  std::string digits = std::to_string(first_lsn);
  return std::string(kSegmentNameDigits - digits.size(), '0') + digits + kSegmentSuffix;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* first_lsn) {
  const size_t suffix_len = sizeof(kSegmentSuffix) - 1;
  if (name.size() != kSegmentNameDigits + suffix_len) return false;
  if (name.substr(kSegmentNameDigits) != kSegmentSuffix) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < kSegmentNameDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *first_lsn = v;
  return true;
}

void EncodeSegmentHeader(uint32_t shard, uint64_t first_lsn, std::string* dst) {
  size_t start = dst->size();
  dst->append(kSegmentMagic, sizeof(kSegmentMagic));
  PutFixed32(dst, kFormatVersion);
  PutFixed32(dst, shard);
  PutFixed64(dst, first_lsn);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, kSegmentHeaderSize - 4)));
}

void EncodeRecord(uint8_t type, uint8_t flags, uint64_t lsn, std::string_view payload,
                  std::string* dst) {
  char header[kRecordHeaderSize];
  header[8] = static_cast<char>(type);
  header[9] = static_cast<char>(flags);
  for (int i = 0; i < 8; ++i) header[10 + i] = static_cast<char>(lsn >> (8 * i));
  uint32_t crc = crc32c::Value(header + 8, kRecordHeaderSize - 8);
  crc = crc32c::Mask(crc32c::Extend(crc, payload.data(), payload.size()));
  uint32_t length = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<char>(crc >> (8 * i));
    header[4 + i] = static_cast<char>(length >> (8 * i));
  }
  dst->append(header, sizeof(header));
  dst->append(payload.data(), payload.size());
}

void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 8);
}

void PutVarint32(std::string* dst, uint32_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

uint64_t DecodeFixed64(const char* p) {
  return uint64_t{DecodeFixed32(p)} | (uint64_t{DecodeFixed32(p + 4)} << 32);
}

bool GetVarint32(std::string_view* in, uint32_t* v) {
  uint32_t result = 0;
  for (size_t i = 0; i < 5 && i < in->size(); ++i) {
    uint32_t byte = static_cast<unsigned char>((*in)[i]);
    if (i == 4 && byte > 0x0f) return false;  // more than 32 bits
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

bool GetLengthPrefixed(std::string_view* in, std::string_view* out) {
  uint32_t len = 0;
  if (!GetVarint32(in, &len) || in->size() < len) return false;
  *out = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

}  // namespace warp::wal
