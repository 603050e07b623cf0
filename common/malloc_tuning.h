// Process-wide tuning of glibc's malloc for a long-running store.
//
// Why: glibc gives threads their own malloc arenas (up to 8 per core). Tiered storage rebuilds
// records as they are demoted and promoted, in whichever thread reads or writes: a record made
// in one thread's arena and freed by another leaves a hole that no arena reuses for the next
// record, and malloc_trim cannot return it. Measured with bench/tier_bench (zipf, 15M reads):
// the heap grew 176 MiB for 115 MiB of records with the default arenas, 127-130 MiB with one or
// two (and reads were as fast). warpd therefore limits the arenas at start; a program
// embedding the engine decides for itself (MALLOC_ARENA_MAX=2, or this function).
#pragma once

namespace warp {

// Limits glibc's malloc to `arenas` arenas (mallopt M_ARENA_MAX), unless the environment sets
// MALLOC_ARENA_MAX, which wins. Returns true if it set the limit. Call it first in main,
// before threads start. Thread-safety: not thread-safe (process-wide setting).
bool LimitMallocArenas(int arenas);

}  // namespace warp
