// `warp wal dump`: every record of a shard's write-ahead log, for operators and auditors.
//
// Reads data_dir/spacetime/shard-NN/wal/ through ReadWal (read-only, no lock taken) and
// renders one line per record ("lsn 42  put  key=user:1  value=ada"), or one JSON object per
// shard with a "records" array, followed by the replay summary (records, last LSN, torn tail).
// Bytes outside printable ASCII are shown as \xNN so binary keys and values stay readable and
// the JSON stays valid. A Corruption from the reader is returned after the records read
// before it have been rendered into *out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "warp/status.h"

namespace warp::tools {

// Dumps shard `shard`, or every shard of the manifest when it is empty.
Status DumpWal(const std::string& data_dir, std::optional<uint32_t> shard, bool json,
               std::string* out);

}  // namespace warp::tools
