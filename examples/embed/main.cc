// warp_embed_example: a program that embeds WarpEngine through its public API only.
//
//   warp_embed_example [DATA_DIR]     (default ./example-data)
//
// Opens a universe, writes a few keys, reads them back with their cosmic metadata, scans a
// prefix, prints the stats, and closes. Exits 0 when every step behaved as expected.
#include <iostream>

#include "warp/universe.h"

int main(int argc, char** argv) {
  warp::Options options;
  options.data_dir = argc > 1 ? argv[1] : "./example-data";
  options.shards = 4;

  warp::Universe universe;
  warp::Status s = universe.Open(options);
  if (!s.ok()) {
    std::cerr << "open failed: " << s.ToString() << "\n";
    return 1;
  }
  for (int i = 0; i < 5; ++i) {
    std::string key = "user:" + std::to_string(i);
    warp::WriteResult w = universe.Put(key, "name-" + std::to_string(i));
    if (!w.ok()) {
      std::cerr << "put failed: " << w.status.ToString() << "\n";
      return 1;
    }
  }
  warp::GetResult r = universe.Get("user:3");
  if (!r.ok() || r.value != "name-3") {
    std::cerr << "get failed: " << r.status.ToString() << "\n";
    return 1;
  }
  std::cout << "user:3 = " << r.value << " (shard " << r.cosmic.shard << ", tier "
            << warp::TierName(r.cosmic.tier) << ", version " << r.cosmic.version << ", "
            << r.cosmic.latency_ns << " ns)\n";

  size_t found = 0;
  uint64_t cursor = 0;
  do {
    warp::ScanResult batch = universe.Scan(warp::Pattern::Prefix("user:"), cursor, 100);
    found += batch.keys.size();
    cursor = batch.next_cursor;
  } while (cursor != 0);
  std::cout << "scan user:* found " << found << " keys\n";

  warp::UniverseStats stats = universe.Stats();
  std::cout << "keys " << stats.total.keys << ", actors " << stats.actors.size() << "\n";
  s = universe.Close();
  if (!s.ok() || found != 5 || stats.total.keys != 5) return 1;
  std::cout << "ok\n";
  return 0;
}
