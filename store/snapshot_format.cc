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

void AppendEntry(const Entry& entry, uint8_t block_flags, std::string* dst) {
  wal::PutVarint32(dst, static_cast<uint32_t>(entry.key.size()));
  dst->append(entry.key.data(), entry.key.size());
  wal::PutVarint32(dst, static_cast<uint32_t>(entry.value.size()));
  dst->append(entry.value.data(), entry.value.size());
  wal::PutFixed64(dst, entry.version);
  if ((block_flags & kBlockFlagExpiry) != 0) {
    wal::PutFixed64(dst, static_cast<uint64_t>(entry.expire_at_ms));
  }
}

bool GetEntry(std::string_view* in, uint8_t block_flags, Entry* entry) {
  const size_t fixed = (block_flags & kBlockFlagExpiry) != 0 ? 16 : 8;
  if (!wal::GetLengthPrefixed(in, &entry->key) || !wal::GetLengthPrefixed(in, &entry->value) ||
      in->size() < fixed) {
    return false;
  }
  entry->version = wal::DecodeFixed64(in->data());
  entry->expire_at_ms = fixed == 16 ? static_cast<int64_t>(wal::DecodeFixed64(in->data() + 8)) : 0;
  in->remove_prefix(fixed);
  return true;
}

}  // namespace warp::snapshot
