// `warp snapshot dump`: the snapshots (checkpoints) of a shard's table, header and every entry,
// for operators and auditors.
//
// Reads data_dir/spacetime/shard-NN/snapshots/ (or one file) through ReadSnapshot: read-only, no
// lock taken, so it is safe on a live directory (files still being written are *.snap.tmp and
// not shown). Per snapshot it renders the header (file, shard, LSN, creation time, keys,
// logical and file bytes, blocks) and then one line per entry ("version 7  key=user:1
// value=ada"), or one JSON document. Snapshots are listed newest first, entries in file order.
// Bytes outside printable ASCII are shown as \xNN (tools/dump_util.h). Since the reader
// verifies a whole file before handing over any entry, a damaged snapshot shows its error
// (naming file and byte offset) and no entries; the first such error is returned after
// everything has been rendered into *out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "warp/status.h"

namespace warp::tools {

// Dumps every snapshot of shard `shard`, or of every shard of the manifest when it is empty.
Status DumpSnapshots(const std::string& data_dir, std::optional<uint32_t> shard, bool json,
                     std::string* out);

// Dumps the single snapshot file `path`, whatever its shard.
Status DumpSnapshotFile(const std::string& path, bool json, std::string* out);

}  // namespace warp::tools
