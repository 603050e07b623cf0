#include "common/glob.h"

#include <utility>

namespace warp {

namespace {

// Matches one `[...]` class starting after the '['. Advances *p past the closing ']' and
// returns whether c is in the class. An unterminated class treats the rest as the class,
// as Redis does.
bool MatchClass(std::string_view pattern, size_t* p, char c) {
  size_t i = *p;
  bool negate = i < pattern.size() && pattern[i] == '^';
  if (negate) ++i;
  bool match = false;
  while (i < pattern.size() && pattern[i] != ']') {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      ++i;
      if (pattern[i] == c) match = true;
    } else if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      unsigned char lo = pattern[i], hi = pattern[i + 2], uc = c;
      if (lo > hi) std::swap(lo, hi);
      if (uc >= lo && uc <= hi) match = true;
      i += 2;
    } else if (pattern[i] == c) {
      match = true;
    }
    ++i;
  }
  *p = i < pattern.size() ? i + 1 : i;
  return negate ? !match : match;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t next = p + 1;
        if (MatchClass(pattern, &next, text[t])) {
          p = next;
          ++t;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) ++p;
        if (pattern[p] == text[t]) {
          ++p;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view GlobLiteralPrefix(std::string_view pattern) {
  size_t i = 0;
  while (i < pattern.size() && pattern[i] != '*' && pattern[i] != '?' && pattern[i] != '[' &&
         pattern[i] != '\\') {
    ++i;
  }
  return pattern.substr(0, i);
}

}  // namespace warp
