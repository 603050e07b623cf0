#include "store/snapshot_format.h"

#include <cstring>

#include "common/crc32c.h"
#include "wal/wal_format.h"

namespace warp::snapshot {

namespace {

void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

// The block checksum covers the header fields after it, so a damaged length or flag byte fails
// the check instead of silently changing how the stored bytes are read.
uint32_t BlockCrc(const char* p, std::string_view stored) {
  uint32_t crc = crc32c::Value(p + 4, kBlockHeaderSize - 4);
  return crc32c::Extend(crc, stored.data(), stored.size());
}

}  // namespace

void EncodeHeader(const Header& header, std::string* dst) {
  size_t start = dst->size();
  dst->append(kMagic, sizeof(kMagic));
  wal::PutFixed32(dst, header.format_version);
  wal::PutFixed32(dst, header.shard);
  wal::PutFixed64(dst, header.lsn);
  wal::PutFixed64(dst, header.created_unix_ms);
  wal::PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, kHeaderSize - 4)));
}

Header DecodeHeader(std::string_view in) {
  Header h;
  h.format_version = wal::DecodeFixed32(in.data() + 8);
  h.shard = wal::DecodeFixed32(in.data() + 12);
  h.lsn = wal::DecodeFixed64(in.data() + 16);
  h.created_unix_ms = wal::DecodeFixed64(in.data() + 24);
  return h;
}

bool HeaderCrcOk(std::string_view in) {
  return crc32c::Unmask(wal::DecodeFixed32(in.data() + kHeaderSize - 4)) ==
         crc32c::Value(in.data(), kHeaderSize - 4);
}

void EncodeBlockHeader(const BlockHeader& h, std::string_view stored, char* out) {
  EncodeFixed32(out + 4, h.raw_len);
  EncodeFixed32(out + 8, static_cast<uint32_t>(stored.size()));
  EncodeFixed32(out + 12, h.entries);
  out[16] = static_cast<char>(h.flags);
  EncodeFixed32(out, crc32c::Mask(BlockCrc(out, stored)));
}

BlockHeader DecodeBlockHeader(const char* p) {
  BlockHeader h;
  h.raw_len = wal::DecodeFixed32(p + 4);
  h.stored_len = wal::DecodeFixed32(p + 8);
  h.entries = wal::DecodeFixed32(p + 12);
  h.flags = static_cast<uint8_t>(p[16]);
  return h;
}

bool BlockCrcOk(const char* p, std::string_view stored) {
  return crc32c::Unmask(wal::DecodeFixed32(p)) == BlockCrc(p, stored);
}

void EncodeFooter(const Footer& footer, std::string* dst) {
  size_t start = dst->size();
  wal::PutFixed64(dst, footer.entries);
  wal::PutFixed64(dst, footer.logical_bytes);
  wal::PutFixed64(dst, footer.lsn);
  wal::PutFixed32(dst, footer.blocks);
  wal::PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, 28)));
  dst->append(kEndMagic, sizeof(kEndMagic));
}

Footer DecodeFooter(std::string_view in) {
  Footer f;
  f.entries = wal::DecodeFixed64(in.data());
  f.logical_bytes = wal::DecodeFixed64(in.data() + 8);
  f.lsn = wal::DecodeFixed64(in.data() + 16);
  f.blocks = wal::DecodeFixed32(in.data() + 24);
  return f;
}

bool FooterCrcOk(std::string_view in) {
  return crc32c::Unmask(wal::DecodeFixed32(in.data() + 28)) == crc32c::Value(in.data(), 28);
}

void AppendEntry(std::string_view key, std::string_view value, uint64_t version, std::string* dst) {
  wal::PutVarint32(dst, static_cast<uint32_t>(key.size()));
  dst->append(key.data(), key.size());
  wal::PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value.data(), value.size());
  wal::PutFixed64(dst, version);
}

bool GetEntry(std::string_view* in, std::string_view* key, std::string_view* value,
              uint64_t* version) {
  if (!wal::GetLengthPrefixed(in, key) || !wal::GetLengthPrefixed(in, value) || in->size() < 8) {
    return false;
  }
  *version = wal::DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

}  // namespace warp::snapshot
