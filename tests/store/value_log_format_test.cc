#include "store/value_log_format.h"

#include <catch2/catch.hpp>
#include <string>

namespace warp {

namespace {

// The worked example of docs/value_log_format.md: shard 3, file 7, "user:1" = "ada" and
// "cat" = "" (an empty value). The bytes were computed independently of this code base.
const char kExampleHex[] =
    "57 41 52 50 56 4c 47 31 01 00 00 00 03 00 00 00 07 00 00 00 52 86 f8 f1 "  // header
    "97 b3 b7 81 06 00 00 00 03 00 00 00 75 73 65 72 3a 31 61 64 61 "           // user:1
    "10 ea b2 dd 03 00 00 00 00 00 00 00 63 61 74";                             // cat

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::string Example() { return FromHex(kExampleHex); }

}  // namespace

TEST_CASE("value-log file names are the file id in eight digits and parse back") {
  CHECK(vlog::FileName(7) == "00000007.vlog");
  CHECK(vlog::FileName(123456789) == "123456789.vlog");
  uint32_t id = 0;
  REQUIRE(vlog::ParseFileName("00000007.vlog", &id));
  CHECK(id == 7);
  REQUIRE(vlog::ParseFileName("4294967295.vlog", &id));
  CHECK(id == UINT32_MAX);
  for (const char* bad : {"0000007.vlog", "000000007.vlog", "00000007.vlog.tmp", "00000007.log",
                          "README.txt", "0000000x.vlog", "4294967296.vlog", ".vlog"}) {
    INFO(bad);
    CHECK_FALSE(vlog::ParseFileName(bad, &id));
  }
}

TEST_CASE("the encoder writes the bytes of the documented worked example") {
  std::string bytes;
  vlog::EncodeFileHeader(vlog::FileHeader{1, 3, 7}, &bytes);
  CHECK(bytes.size() == vlog::kFileHeaderSize);
  vlog::EncodeRecord("user:1", "ada", &bytes);
  vlog::EncodeRecord("cat", "", &bytes);
  CHECK(vlog::RecordSize(6, 3) == 21);
  CHECK(bytes == Example());
}

TEST_CASE("the worked example decodes to its header and records") {
  const std::string bytes = Example();
  vlog::FileHeader header;
  REQUIRE(vlog::DecodeFileHeader(bytes, "f.vlog", &header).ok());
  CHECK(header.format_version == 1);
  CHECK(header.shard == 3);
  CHECK(header.file_id == 7);
  std::string_view rest = std::string_view(bytes).substr(24);
  uint64_t size = 0;
  REQUIRE(vlog::DecodeRecordSize(rest, "f.vlog", 24, &size).ok());
  CHECK(size == 21);
  vlog::Record record;
  REQUIRE(vlog::DecodeRecord(rest, "f.vlog", 24, &record).ok());
  CHECK(record.key == "user:1");
  CHECK(record.value == "ada");
  REQUIRE(vlog::DecodeRecord(rest.substr(21), "f.vlog", 45, &record).ok());
  CHECK(record.key == "cat");
  CHECK(record.value.empty());
}

TEST_CASE("a damaged file header is refused with the file, offset and what was wrong") {
  const std::string good = Example();
  vlog::FileHeader header;
  CHECK(vlog::DecodeFileHeader(good.substr(0, 23), "d/f.vlog", &header).message() ==
        "value log corruption in d/f.vlog at offset 0: truncated file header (23 bytes, a "
        "header is 24)");
  std::string bad = good;
  bad[0] = 'X';
  CHECK(vlog::DecodeFileHeader(bad, "d/f.vlog", &header).message() ==
        "value log corruption in d/f.vlog at offset 0: bad magic (not a WarpEngine value log)");
  bad = good;
  bad[13] ^= 0x01;  // the shard
  Status s = vlog::DecodeFileHeader(bad, "d/f.vlog", &header);
  CHECK(s.IsCorruption());
  CHECK(s.message() ==
        "value log corruption in d/f.vlog at offset 0: file header checksum mismatch");
  std::string newer;
  vlog::EncodeFileHeader(vlog::FileHeader{2, 3, 7}, &newer);
  CHECK(vlog::DecodeFileHeader(newer, "d/f.vlog", &header).message() ==
        "value log corruption in d/f.vlog at offset 8: unsupported format version 2 (this build "
        "reads version 1)");
}

TEST_CASE("a damaged or cut record is refused with the file, offset and what was wrong") {
  const std::string good = Example();
  std::string_view first = std::string_view(good).substr(24, 21);
  vlog::Record record;
  CHECK(vlog::DecodeRecord(first.substr(0, 11), "f.vlog", 24, &record).message() ==
        "value log corruption in f.vlog at offset 24: truncated record header (11 bytes, a "
        "record header is 12)");
  CHECK(vlog::DecodeRecord(first.substr(0, 20), "f.vlog", 24, &record).message() ==
        "value log corruption in f.vlog at offset 24: truncated record: its lengths claim 21 "
        "bytes, 20 are there");
  for (size_t i = 0; i < first.size(); ++i) {
    std::string bad(first);
    bad[i] ^= 0x10;
    INFO("byte " << i);
    Status s = vlog::DecodeRecord(bad, "f.vlog", 24, &record);
    CHECK(s.IsCorruption());  // the checksum covers every byte, lengths included
  }
  std::string bad(first);
  bad[20] ^= 0x10;  // the value's last byte
  CHECK(vlog::DecodeRecord(bad, "f.vlog", 24, &record).message() ==
        "value log corruption in f.vlog at offset 24: record checksum mismatch");
}

TEST_CASE("value pointers are equal when file, offset and size are") {
  ValuePointer a{1, 24, 21};
  CHECK(a == ValuePointer{1, 24, 21});
  CHECK(a != ValuePointer{2, 24, 21});
  CHECK(a != ValuePointer{1, 25, 21});
  CHECK(a != ValuePointer{1, 24, 20});
}

}  // namespace warp
