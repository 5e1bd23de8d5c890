#include "scan/internal/context.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <bitset>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace domicile::scan::internal {
namespace {

constexpr size_t kBefore = 32;
constexpr size_t kAfter = 24;
constexpr size_t kNegativeBefore = 12;
// A word cut by the edge of the nearby text is read whole, up to this many more bytes.
constexpr size_t kWordTail = 16;

// A word's first three characters as one of 37^3 codes: letters (case folded)
// and digits, 36 past the word's end. Lets most nearby texts be ruled out
// without normalising them.
constexpr int kWordEnd = 36;
int CharCode(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '0' && c <= '9') return 26 + (c - '0');
  return kWordEnd;
}
using PrefixSet = std::bitset<37 * 37 * 37>;

// A keyword matches a whole word; a trailing '*' makes it a prefix ("birth*"
// matches "birthday"). Multi-word keywords match word sequences. Needles are
// the keywords as they appear in NormalizeWords output: " birth", " dob ".
bool HasKeyword(std::string_view words, const std::vector<std::string>& needles) {
  // Only word starts can begin a match: compare there, first letter first.
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] != ' ') continue;
    char first = words[i + 1];
    for (const std::string& n : needles) {
      if (n[1] == first && words.compare(i, n.size(), n) == 0) return true;
    }
  }
  return false;
}

std::vector<std::string> Needles(std::initializer_list<std::string_view> keywords) {
  std::vector<std::string> out;
  for (std::string_view k : keywords) {
    bool prefix = k.back() == '*';
    if (prefix) k.remove_suffix(1);
    std::string n(1, ' ');
    n.append(k);
    if (!prefix) n.push_back(' ');
    out.push_back(std::move(n));
  }
  return out;
}

struct Keywords {
  std::vector<std::string> positive;
  std::vector<std::string> negative;
  PrefixSet positive_prefixes;  // first three characters of each keyword
  PrefixSet negative_prefixes;
};

// The codes a word must start with to match one of `needles` (" birth", " ne ").
// After the first word's end the third character may be anything, and so may
// what follows a prefix keyword shorter than three characters.
PrefixSet PrefixesOf(const std::vector<std::string>& needles) {
  PrefixSet out;
  for (const std::string& n : needles) {
    int c0 = CharCode(n[1]);
    int c1 = n.size() > 2 ? CharCode(n[2]) : -1;  // -1: any
    int c2 = c1 == kWordEnd ? -1 : n.size() > 3 ? CharCode(n[3]) : -1;
    for (int b = 0; b < 37; ++b) {
      if (c1 != -1 && b != c1) continue;
      for (int c = 0; c < 37; ++c) {
        if (c2 == -1 || c == c2) out.set((c0 * 37 + b) * 37 + c);
      }
    }
  }
  return out;
}

Keywords MakeKeywords(Entity e) {
  switch (e) {
    case Entity::kEmailAddress:
      return {Needles({"email*", "e mail*", "mail*", "contact*"}), {}};
    case Entity::kPhoneNumber:
      return {Needles({"phone*", "tel*", "telephone*", "mobile*", "cell*", "fax*", "call*",
               "contact*", "office", "desk", "whatsapp", "sms", "msisdn", "dial*", "ring",
               "reach*", "answering", "messages"}),
              Needles({"zip*", "postal*", "postcode*", "plz", "suite", "apt", "box", "po"})};
    case Entity::kDateOfBirth:
      return {Needles({"born", "birth*", "dob", "d o b", "bday", "b day", "birthdate*", "geboren",
               "geburtsdatum", "geb", "ne", "nee", "naissance", "nacimiento", "nascita",
               "fecha de nacimiento"}),
              Needles({"ship*", "deliver*", "order*", "created", "updated", "modified", "expir*",
               "issued", "due", "invoice*"})};
    case Entity::kCreditCard:
      return {Needles({"card*", "credit*", "visa", "mastercard", "amex", "payment*", "cc", "pan",
               "debit", "cardholder"}),
              {}};
    case Entity::kUsSsn:
      return {Needles({"ssn*", "social security", "social sec", "ss", "ssa", "tax id", "taxpayer"}), {}};
    case Entity::kIpAddress:
      return {Needles({"ip", "ips", "ipv4", "ipv6", "ip address", "addr", "address", "host*", "client*",
               "remote*", "src", "dst", "source", "peer", "from", "connect*", "server"}),
              Needles({"version*", "ver", "v", "release*", "build", "firmware", "os", "oid"})};
    case Entity::kIbanCode:
      return {Needles({"iban", "account*", "bank*"}), {}};
    case Entity::kMacAddress:
      return {Needles({"mac", "mac address", "ether*", "hw*", "hwaddr", "hardware", "wifi", "wlan",
               "bssid", "device*"}),
              {}};
    case Entity::kGeoCoordinate:
      return {Needles({"lat*", "lon*", "lng", "location*", "coord*", "gps", "geo*", "position*",
               "loc"}),
              {}};
    case Entity::kImei:
      return {Needles({"imei*", "handset", "meid"}), {}};
    case Entity::kAdvertisingId:
      return {Needles({"idfa", "aaid", "gaid", "adid", "ad id", "advertising*", "advertiser*",
               "ifa", "maid", "ad tracking", "adjust", "appsflyer"}),
              {}};
  }
  return {};
}

const Keywords& KeywordsFor(Entity e) {
  static const std::vector<Keywords>* table = [] {
    auto* t = new std::vector<Keywords>();
    for (int i = 0; i < kEntityCount; ++i) {
      Keywords k = MakeKeywords(static_cast<Entity>(i));
      k.positive_prefixes = PrefixesOf(k.positive);
      k.negative_prefixes = PrefixesOf(k.negative);
      t->push_back(std::move(k));
    }
    return t;
  }();
  return (*table)[static_cast<size_t>(e)];
}

}  // namespace

namespace {

bool AsciiAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool AsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool AsciiLower(char c) { return c >= 'a' && c <= 'z'; }

// Appends the normalized words of `s` to `out` (which ends with a space).
template <typename Out>
void AppendWords(std::string_view s, Out& out) {
  char prev = 0;
  for (char c : s) {
    if (AsciiAlnum(c)) {
      if (AsciiUpper(c) && AsciiLower(prev) && out.back() != ' ') out.push_back(' ');
      out.push_back(AsciiUpper(c) ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
    prev = c;
  }
  if (out.back() != ' ') out.push_back(' ');
}

// Bit i set for each byte s[i] (i < 16, from `at`) that is alphanumeric, upper
// case, or lower case.
struct ClassMasks {
  uint32_t alnum = 0;
  uint32_t upper = 0;
  uint32_t lower = 0;
};
ClassMasks Classes(std::string_view s, size_t at) {
  ClassMasks m;
#if defined(__SSE2__)
  if (at + 16 <= s.size()) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    // (c - base) <= limit, unsigned: min(x, limit) == x.
    auto in_range = [&](char base, char limit) {
      __m128i x = _mm_sub_epi8(v, _mm_set1_epi8(base));
      return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(limit)), x);
    };
    __m128i upper = in_range('A', 25);
    __m128i lower = in_range('a', 25);
    __m128i digit = in_range('0', 9);
    m.upper = static_cast<uint32_t>(_mm_movemask_epi8(upper));
    m.lower = static_cast<uint32_t>(_mm_movemask_epi8(lower));
    m.alnum = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(digit, _mm_or_si128(upper, lower))));
    return m;
  }
#endif
  for (size_t i = 0; i < 16 && at + i < s.size(); ++i) {
    char c = s[at + i];
    m.alnum |= static_cast<uint32_t>(AsciiAlnum(c)) << i;
    m.upper |= static_cast<uint32_t>(AsciiUpper(c)) << i;
    m.lower |= static_cast<uint32_t>(AsciiLower(c)) << i;
  }
  return m;
}

// True unless no word of `s` starts with the first three characters of a
// keyword in `prefixes` (words as AppendWords makes them: a camelCase hump
// starts a word). Word starts are found 16 bytes at a time.
bool MayHaveKeyword(std::string_view s, const PrefixSet& prefixes) {
  // The code of s[j] as the continuation of a word whose previous byte is s[j - 1].
  auto next_code = [&](size_t j) {
    if (j >= s.size() || !AsciiAlnum(s[j]) || (AsciiUpper(s[j]) && AsciiLower(s[j - 1]))) return kWordEnd;
    return CharCode(s[j]);
  };
  uint32_t carry_alnum = 0;
  uint32_t carry_lower = 0;
  for (size_t at = 0; at < s.size(); at += 16) {
    ClassMasks m = Classes(s, at);
    uint32_t prev_alnum = ((m.alnum << 1) | carry_alnum) & 0xFFFF;
    uint32_t prev_lower = ((m.lower << 1) | carry_lower) & 0xFFFF;
    uint32_t starts = m.alnum & (~prev_alnum | (m.upper & prev_lower));
    carry_alnum = (m.alnum >> 15) & 1;
    carry_lower = (m.lower >> 15) & 1;
    while (starts != 0) {
      size_t i = at + static_cast<size_t>(__builtin_ctz(starts));
      starts &= starts - 1;
      int c1 = next_code(i + 1);
      int c2 = c1 == kWordEnd ? kWordEnd : next_code(i + 2);
      if (prefixes.test((CharCode(s[i]) * 37 + c1) * 37 + c2)) return true;
    }
  }
  return false;
}

// The last line break in text[from, to), or npos.
size_t LastBreak(std::string_view text, size_t from, size_t to) {
  if (to <= from) return std::string_view::npos;
  const void* p = memrchr(text.data() + from, '\n', to - from);
  if (p == nullptr) return std::string_view::npos;
  return static_cast<size_t>(static_cast<const char*>(p) - text.data());
}

// The bytes of `text` near [begin, end) where context words count: at most
// `before` bytes before and `after` after, on the match's line, and widened so
// that no word is cut (up to kWordTail bytes). Words on the line above count too
// when it ends with ':' and the match starts its line (a label above its value,
// "Phone:\n555 0123"); other lines are other records.
struct Near {
  std::string_view before;
  std::string_view after;
};
Near NearText(std::string_view text, size_t begin, size_t end, size_t before, size_t after) {
  const size_t window = begin > before ? begin - before : 0;
  size_t from = window;
  size_t line = LastBreak(text, window, begin);
  if (line != std::string_view::npos) {
    from = line + 1;
    // (Plain loops: string_view's find_*_of call memchr once per byte.)
    size_t first = from;
    while (first < begin && (text[first] == ' ' || text[first] == '\t')) ++first;
    size_t label_end = line;  // one past the label's last byte
    while (label_end > window && (text[label_end - 1] == ' ' || text[label_end - 1] == '\t' ||
                                  text[label_end - 1] == '\r')) {
      --label_end;
    }
    if (first == begin && label_end > window && text[label_end - 1] == ':') {
      size_t above = LastBreak(text, window, line);
      from = above == std::string_view::npos ? window : above + 1;
    }
  }
  if (from == window) {
    size_t floor = from > kWordTail ? from - kWordTail : 0;
    while (from > floor && AsciiAlnum(text[from - 1]) && AsciiAlnum(text[from])) --from;
  }
  size_t to = std::min(text.size(), end + after);
  if (const void* nl = to > end ? std::memchr(text.data() + end, '\n', to - end) : nullptr) {
    to = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
  } else {
    size_t ceiling = std::min(text.size(), to + kWordTail);
    while (to < ceiling && to > 0 && AsciiAlnum(text[to - 1]) && AsciiAlnum(text[to])) ++to;
  }
  return {text.substr(from, begin - from), text.substr(end, to - end)};
}

// A small fixed buffer: context windows are bounded, so no allocation.
struct WordBuffer {
  char data[2 * (kBefore + kAfter + 2 * kWordTail) + 8];
  size_t size = 0;
  void push_back(char c) {
    if (size < sizeof data) data[size++] = c;
  }
  char back() const { return data[size - 1]; }
  std::string_view view() const { return {data, size}; }
};

}  // namespace

std::string NormalizeWords(std::string_view s) {
  std::string out = " ";
  AppendWords(s, out);
  return out;
}

ContextHit FindContext(Entity entity, std::string_view text, size_t begin, size_t end,
                       std::string_view field, bool positive_required) {
  const Keywords& k = KeywordsFor(entity);
  ContextHit hit;
  if (!field.empty()) {
    if (MayHaveKeyword(field, k.positive_prefixes) || MayHaveKeyword(field, k.negative_prefixes)) {
      std::string f = NormalizeWords(field);
      if (HasKeyword(f, k.positive)) hit.positive = hit.field = true;
      if (!k.negative.empty() && HasKeyword(f, k.negative)) hit.negative = true;
    }
  }
  if (!hit.positive) {
    Near near = NearText(text, begin, end, kBefore, kAfter);
    if (MayHaveKeyword(near.before, k.positive_prefixes) || MayHaveKeyword(near.after, k.positive_prefixes)) {
      WordBuffer words;
      words.push_back(' ');
      AppendWords(near.before, words);
      AppendWords(near.after, words);
      hit.positive = HasKeyword(words.view(), k.positive);
    }
  }
  if (positive_required && !hit.positive) return hit;
  if (!k.negative.empty() && !hit.field) {
    // Negative words count only right before the match ("version 1.2.3.4"), and
    // not against a field name that supports the entity.
    std::string_view just_before = NearText(text, begin, end, kNegativeBefore, 0).before;
    if (MayHaveKeyword(just_before, k.negative_prefixes)) {
      WordBuffer words;
      words.push_back(' ');
      AppendWords(just_before, words);
      if (HasKeyword(words.view(), k.negative)) hit.negative = true;
    }
  }
  return hit;
}

}  // namespace domicile::scan::internal
