// `warp repair`: cuts a shard's write-ahead log back to its last good record, the explicit way
// past a log that recovery refuses as corrupt (docs/wal_format.md, "The torn-tail rule";
// docs/repair.md for operators).
//
// For each shard (or the one asked for) it replays data_dir/spacetime/shard-NN/wal/ with ReadWal
// and acts on what the reader reports (ReadSummary):
//   Corruption at file F, offset O (corrupt_file, corrupt_offset: the end of the last good
//   record)  ->  copy F and every later segment into
//                data_dir/backups/repair-<UTC time>/shard-NN/ (byte for byte, fsynced), remove
//                the later segments, cut F to O bytes (remove F if O is 0), fsync.
//   torn tail at F, offset O     ->  copy F, cut it to O.
//   preallocated zeros after O   ->  cut F to O (only zero bytes are dropped: no copy).
// Then it replays the log again and reports "shard 3: repaired (N records, last lsn L)". A
// shard with nothing to do prints "shard 3: ok (N records, last lsn L)". Records after a
// corruption are dropped from the log: they stay in the backup only.
//
// apply = false is a dry run: it reads and prints what it would do ("would truncate ...") and
// changes nothing. apply = true opens the directory as the engine does (DataDir::Open: the
// exclusive LOCK, so the universe must not be open; this also records the open in
// universe.json, and a previous clean shutdown is recorded again afterwards). The dry run takes
// no lock but refuses a locked directory too, since a live log keeps changing.
//
// Errors (non-OK Status): NotFound (no universe.json), InvalidArgument (no such shard), Busy
// ("data directory D is locked by pid N (D/LOCK)"), Corruption (universe.json), IOError
// (reading, copying, truncating or removing a file; the lines printed so far say what was
// done). A corrupt or torn log is a finding, not an error.
// Thread-safety: one call at a time per data directory (the LOCK enforces it across processes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "warp/status.h"

namespace warp::tools {

struct RepairOptions {
  std::string data_dir;
  std::optional<uint32_t> shard;  // every shard of the manifest when empty
  bool apply = false;             // --yes; false = dry run
};

struct RepairReport {
  uint32_t shards = 0;     // shards checked
  uint32_t damaged = 0;    // shards whose log is corrupt or ends in a torn tail
  uint32_t changed = 0;    // shards whose files were changed (dry run: would be changed)
  std::string backup_dir;  // where originals were copied; "" if nothing was copied
};

// Checks (and with options.apply, repairs) the logs; one line per finding and action and a
// summary line are appended to *out, also when an error is returned.
Status RepairDataDir(const RepairOptions& options, std::string* out, RepairReport* report);

// The process exit code of `warp repair`: 2 for an error, 1 for a dry run that found damage
// (corruption or a torn tail), 0 otherwise (repaired, or nothing to do).
int RepairExitCode(const Status& status, const RepairReport& report, bool apply);

}  // namespace warp::tools
