// `warp value-log dump --file PATH`: one value-log file of a shard's cold tier (tiered storage),
// header and every record, for operators and auditors. Format: docs/value_log_format.md.
//
// Reads the file through ScanValueLogFile (store/value_log.h), sequentially in chunks, read-only
// and without a lock: on the active file of a live process the last record may still be being
// written, and shows as a truncated record. Value-log files belong to one process run (the next
// run deletes them: the log is not a source of truth), so the tool takes a file, not a data
// directory.
//
// Output is JSON lines, one object per line, each with a "type":
//   {"type":"header","file":PATH,"bytes":N,"format_version":1,"shard":S,"file_id":F}
//   {"type":"record","offset":O,"size":Z,"key":"user:1","value":"ada"}     one per record
//   {"type":"end","records":R,"record_bytes":B}                           after the last record
//   {"type":"error","error":"value log corruption in PATH at offset O: ..."}   instead of "end"
// Keys and values show bytes outside printable ASCII as \xNN (tools/dump_util.h), so the lines
// stay valid JSON. At a record that does not decode the dump stops: the lines before it and the
// error line are in *out, and the Corruption (naming the file and offset) is returned. A file
// that cannot be opened or read gives NotFound or IOError and, if it could be opened, the same
// error line.
#pragma once

#include <string>

#include "warp/status.h"

namespace warp::tools {

Status DumpValueLogFile(const std::string& path, std::string* out);

}  // namespace warp::tools
