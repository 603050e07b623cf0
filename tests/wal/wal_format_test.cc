#include "wal/wal_format.h"

#include <catch2/catch.hpp>
#include <string>

namespace warp {

namespace {

std::string ToHex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace

TEST_CASE("segment file names are the first LSN in twenty digits and parse back") {
  CHECK(wal::SegmentFileName(17) == "00000000000000000017.log");
  uint64_t lsn = 0;
  CHECK(wal::ParseSegmentFileName("00000000000000000017.log", &lsn));
  CHECK(lsn == 17);
  CHECK(wal::ParseSegmentFileName(wal::SegmentFileName(UINT64_MAX), &lsn));
  CHECK(lsn == UINT64_MAX);
  CHECK_FALSE(wal::ParseSegmentFileName("0000000000000000017.log", &lsn));
  CHECK_FALSE(wal::ParseSegmentFileName("0000000000000000001x.log", &lsn));
  CHECK_FALSE(wal::ParseSegmentFileName("00000000000000000017.tmp", &lsn));
  CHECK_FALSE(wal::ParseSegmentFileName("99999999999999999999.log", &lsn));
}

TEST_CASE("varints round trip at every length boundary and reject truncation") {
  for (uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, 2097151u, 2097152u, UINT32_MAX}) {
    std::string buf;
    wal::PutVarint32(&buf, v);
    std::string_view in = buf;
    uint32_t out = 0;
    REQUIRE(wal::GetVarint32(&in, &out));
    CHECK(out == v);
    CHECK(in.empty());
    std::string_view cut(buf.data(), buf.size() - 1);
    CHECK_FALSE(wal::GetVarint32(&cut, &out));
  }
}

// These bytes are the worked example of docs/wal_format.md: keep the two in step.
TEST_CASE("the segment header of shard 3 starting at LSN 17 has the documented bytes") {
  std::string header;
  wal::EncodeSegmentHeader(3, 17, &header);
  REQUIRE(header.size() == wal::kSegmentHeaderSize);
  CHECK(ToHex(header) ==
        "57 41 52 50 57 41 4c 31 01 00 00 00 03 00 00 00 11 00 00 00 00 00 00 00 37 1b e5 b5");
}

TEST_CASE("a put of user:1 = hello at LSN 17 has the documented bytes") {
  std::string payload;
  wal::PutVarint32(&payload, 6);
  payload += "user:1";
  wal::PutVarint32(&payload, 5);
  payload += "hello";
  std::string record;
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kPut), 0, 17, payload, &record);
  REQUIRE(record.size() == wal::kRecordHeaderSize + 13);
  CHECK(ToHex(record) ==
        "07 36 48 1e 0d 00 00 00 01 00 11 00 00 00 00 00 00 00 "
        "06 75 73 65 72 3a 31 05 68 65 6c 6c 6f");
}

TEST_CASE("a delete of user:1 at LSN 18 has the documented bytes") {
  std::string payload;
  wal::PutVarint32(&payload, 6);
  payload += "user:1";
  std::string record;
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kDelete), 0, 18, payload, &record);
  CHECK(ToHex(record) ==
        "06 65 04 da 07 00 00 00 02 00 12 00 00 00 00 00 00 00 06 75 73 65 72 3a 31");
}

// The expiry example of docs/wal_format.md.
TEST_CASE("a put of user:1 = hello with an expiry at LSN 19 has the documented bytes") {
  std::string payload;
  wal::PutVarint32(&payload, 6);
  payload += "user:1";
  wal::PutFixed64(&payload, 1795514460000);  // 2026-11-24T10:01:00.000Z
  wal::PutVarint32(&payload, 5);
  payload += "hello";
  std::string record;
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kPut), wal::kFlagExpiry, 19, payload,
                    &record);
  CHECK(ToHex(record) ==
        "da a0 df 3f 15 00 00 00 01 02 13 00 00 00 00 00 00 00 "
        "06 75 73 65 72 3a 31 60 67 00 0d a2 01 00 00 05 68 65 6c 6c 6f");
}

TEST_CASE("an expire record of user:1 at LSN 20 has the documented bytes") {
  std::string payload;
  wal::PutVarint32(&payload, 6);
  payload += "user:1";
  wal::PutFixed64(&payload, 1795514520000);  // 2026-11-24T10:02:00.000Z
  std::string record;
  wal::EncodeRecord(static_cast<uint8_t>(wal::RecordType::kExpire), wal::kFlagExpiry, 20, payload,
                    &record);
  CHECK(ToHex(record) ==
        "eb 6e fa 0c 0f 00 00 00 03 02 14 00 00 00 00 00 00 00 "
        "06 75 73 65 72 3a 31 c0 51 01 0d a2 01 00 00");
}

}  // namespace warp
