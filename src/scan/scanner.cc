#include "scan/scanner.h"

#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "scan/internal/candidates.h"
#include "scan/internal/context.h"
#include "scan/internal/shapes.h"
#include "scan/internal/validators.h"

namespace domicile::scan {
namespace {

using internal::ContextHit;
using internal::IsAlphaByte;
using internal::IsDigitByte;
using internal::IsHexByte;

// How a rule's exact match becomes a finding. One rule per kind; a rule runs when
// any entity it can report is enabled.
enum class Kind {
  kEmail, kPhone, kDate, kCardLike, kSsn, kIpv4, kIpv6, kIban, kMac, kGeo, kUuid,
};
constexpr int kKindCount = 11;
constexpr std::array<std::array<Entity, 2>, kKindCount> kKindEntities = {{
    {Entity::kEmailAddress, Entity::kEmailAddress},
    {Entity::kPhoneNumber, Entity::kPhoneNumber},
    {Entity::kDateOfBirth, Entity::kDateOfBirth},
    {Entity::kCreditCard, Entity::kImei},
    {Entity::kUsSsn, Entity::kUsSsn},
    {Entity::kIpAddress, Entity::kIpAddress},
    {Entity::kIpAddress, Entity::kIpAddress},
    {Entity::kIbanCode, Entity::kIbanCode},
    {Entity::kMacAddress, Entity::kMacAddress},
    {Entity::kGeoCoordinate, Entity::kGeoCoordinate},
    {Entity::kAdvertisingId, Entity::kAdvertisingId},
}};

// Exact patterns still run by RE2, on rare events only: the e-mail address at an
// '@', and month-name dates next to a month word.
constexpr const char* kEmailPattern =
    R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})";
constexpr const char* kDatePattern =
    R"(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|(?i:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d{1,2}(?:st|nd|rd|th)?,?\s{1,3}\d{4})|(?i:\d{1,2}(?:st|nd|rd|th)?\s{1,3}(?:of\s)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,?\s{1,3}\d{4}))";

// Regular expressions describing the same candidates as the hand-written pass,
// one per rule. Not used by the scanner: bench_scan gives them to ripgrep, the
// baseline it is measured against.
constexpr const char* kCandidateRegexes[] = {
    R"([A-Za-z0-9_%+\-]@[A-Za-z0-9\-]+\.[A-Za-z]{2})",
    R"(\d(?:[ .()\-]{0,3}\d){6})",
    R"(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{2}|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d|\d\s{1,3}(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    R"(\d(?:[ \-]?\d){11})",
    R"(\d{3}[ \-]\d{2}[ \-]\d{4}|\d{9})",
    R"(\d\.\d{1,3}\.\d{1,3}\.\d)",
    R"([0-9A-Fa-f]::|::[0-9A-Fa-f]|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f])",
    R"([A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4})",
    R"([0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})",
    R"(\d\.\d{3}\d*\s?,\s?-?\d{1,3}\.\d{3})",
    R"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})",
};

bool IsDigit(char c) { return IsDigitByte(c); }
bool IsAlnum(char c) { return internal::IsAlnumByte(c); }
bool IsHexOrColon(char c) { return IsHexByte(c) || c == ':'; }

// A candidate finding before overlaps are resolved.
struct Hit {
  size_t begin;
  size_t end;
  Entity entity;
  float score;
};

float Clamp(float s) { return std::min(1.0f, std::max(0.0f, s)); }

// libphonenumber verdicts by a keyed 64-bit hash of the number (never the number
// itself): one Parse + IsValidNumber costs 80-150 us with Debian's build, and the
// same numbers recur throughout logs and exports. Direct-mapped, lock-free: each
// slot holds the hash's upper 48 bits and the score's code in the low 16.
class PhoneVerdicts {
 public:
  PhoneVerdicts() : key_(std::random_device()() * 0x9E3779B97F4A7C15ull ^ std::random_device()()) {
    for (auto& slot : slots_) slot.store(0, std::memory_order_relaxed);
  }
  uint64_t Hash(std::string_view number, int groups) const {
    uint64_t h = key_ ^ static_cast<uint64_t>(groups);
    for (char c : number) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
    h ^= h >> 31;
    h *= 0x7FB5D329728EA185ull;
    return h ^ (h >> 27);
  }
  // The cached score for hash `h`, or a negative value.
  float Find(uint64_t h) const {
    uint64_t v = slots_[h & (kSlots - 1)].load(std::memory_order_relaxed);
    if (v == 0 || (v >> 16) != (h >> 16)) return -1;
    return static_cast<float>((v & 0xFFFF) - 1) / 100.0f;
  }
  void Put(uint64_t h, float score) {
    uint64_t code = static_cast<uint64_t>(score * 100.0f + 0.5f) + 1;
    slots_[h & (kSlots - 1)].store((h >> 16) << 16 | code, std::memory_order_relaxed);
  }

 private:
  static constexpr size_t kSlots = size_t{1} << 14;
  const uint64_t key_;
  std::array<std::atomic<uint64_t>, kSlots> slots_;
};

}  // namespace

struct Scanner::Impl {
  class Pass;

  ScanOptions options;
  std::array<bool, kEntityCount> enabled{};
  std::array<bool, kKindCount> rule_on{};
  std::unique_ptr<RE2> email;
  std::unique_ptr<RE2> date;
  mutable PhoneVerdicts phone_verdicts;

  bool Enabled(Entity e) const { return enabled[static_cast<int>(e)]; }
  bool On(Kind k) const { return rule_on[static_cast<int>(k)]; }

  float PhoneScore(std::string_view main, int groups) const;
  void Classify(Kind kind, std::string_view text, size_t b, size_t e, const FieldNames* fields,
                std::string_view field_override, std::vector<Hit>& out) const;
  std::vector<Finding> Run(std::string_view text, const FieldNames* fields,
                           std::string_view field_override) const;
};

namespace {

// The part of a phone candidate before any extension, trimmed, if its shape can
// be a phone number (7-15 digits, balanced parentheses, not a date, dotted quad
// or SSN); otherwise empty. Cheap: runs before context and libphonenumber.
std::string_view PhoneShape(std::string_view s, int& groups) {
  size_t digits = 0;
  groups = 0;
  bool in_digits = false;
  int parens = 0;
  size_t ext = s.find_first_of("x#");
  if (ext == std::string_view::npos) ext = s.find("ext");
  std::string_view main = s.substr(0, ext);
  for (char c : main) {
    if (IsDigit(c)) {
      ++digits;
      if (!in_digits) ++groups;
      in_digits = true;
    } else {
      in_digits = false;
      if (c == '(') ++parens;
      if (c == ')' && --parens < 0) return {};
    }
  }
  if (parens != 0 || digits < 7 || digits > 15) return {};
  while (!main.empty() && (main.back() == ' ' || main.back() == '.' || main.back() == '-')) {
    main.remove_suffix(1);
  }
  if (internal::NotPhoneShape(main)) return {};
  if (main[0] != '+' && groups == 1 && digits > 12) return {};
  return main;
}

}  // namespace

// libphonenumber's verdict on a number that passed PhoneShape().
float Scanner::Impl::PhoneScore(std::string_view main, int groups) const {
  uint64_t h = phone_verdicts.Hash(main, groups);
  if (float cached = phone_verdicts.Find(h); cached >= 0) return cached;
  float score = 0;
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string number(main);
  PhoneNumber parsed;
  if (main[0] == '+') {
    if (util.Parse(number, "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR) {
      score = util.IsValidNumber(parsed) ? 0.8f : util.IsPossibleNumber(parsed) ? 0.6f : 0;
    }
  } else {
    // National format: the region is unknown, so ask the regions where most
    // numbers come from and keep the best answer.
    static constexpr const char* kRegions[] = {"US", "GB", "DE", "FR", "IN", "AU", "BR", "IT",
                                               "ES", "NL", "CH", "BE", "AT", "SE", "HU", "FI"};
    bool possible = false;
    bool valid = false;
    for (const char* region : kRegions) {
      if (util.Parse(number, region, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) continue;
      if ((valid = util.IsValidNumber(parsed))) break;
      if (!possible) possible = util.IsPossibleNumber(parsed);
    }
    if (valid) {
      score = groups > 1 ? 0.6f : 0.45f;
    } else if (possible) {
      score = groups > 1 ? 0.5f : 0.35f;
    }
  }
  phone_verdicts.Put(h, score);
  return score;
}

void Scanner::Impl::Classify(Kind kind, std::string_view text, size_t b, size_t e,
                             const FieldNames* fields, std::string_view field_override,
                             std::vector<Hit>& out) const {
  std::string_view m = text.substr(b, e - b);
  char before = b > 0 ? text[b - 1] : ' ';
  char after = e < text.size() ? text[e] : ' ';
  char after2 = e + 1 < text.size() ? text[e + 1] : ' ';
  auto context = [&](Entity entity, bool positive_required = false) {
    std::string_view field = field_override;
    if (field.empty() && fields != nullptr && fields->MayName(entity)) field = fields->FieldAt(b);
    return internal::FindContext(entity, text, b, e, field, positive_required);
  };
  // Digit runs must not continue into neighbouring digits or words.
  bool continues_number = (before == '.' || before == '-' || before == ':') && b >= 2 && IsDigit(text[b - 2]);
  bool number_bounded = !IsAlnum(before) && !IsAlnum(after) && !continues_number &&
                        !((after == '.' || after == '-') && IsDigit(after2));
  switch (kind) {
    case Kind::kEmail: {
      if (m.front() == '.' || m.find("..") != std::string_view::npos) return;
      if (IsAlnum(after) || after == '-' || (after == '.' && IsAlnum(after2))) return;
      ContextHit c = context(Entity::kEmailAddress);
      out.push_back({b, e, Entity::kEmailAddress, c.positive ? 1.0f : 0.9f});
      return;
    }
    case Kind::kPhone: {
      if (!number_bounded || before == '+') return;
      // Cheap shape and context first: libphonenumber is the costly part.
      int groups = 0;
      std::string_view number = PhoneShape(m, groups);
      if (number.empty()) return;
      bool plain = m.find_first_of("+(") == std::string_view::npos;
      ContextHit c = context(Entity::kPhoneNumber, plain && groups == 1);
      if (c.negative) return;  // "zip 75534-030"
      // A bare run of digits is an id or an amount unless phone words are near.
      if (plain && groups == 1 && !c.positive) return;
      // Two bare digit groups followed by a word are a street and house number
      // ("3378 217 Lovers Lane"), unless the words around say "phone".
      if (plain && groups == 2 && !c.positive && after == ' ' &&
          std::isalpha(static_cast<unsigned char>(after2))) {
        return;
      }
      float s = PhoneScore(number, groups);
      if (s <= 0) return;
      if (c.positive) s += 0.3f;
      out.push_back({b, e, Entity::kPhoneNumber, Clamp(s)});
      return;
    }
    case Kind::kDate: {
      if (IsAlnum(before) || continues_number || (IsAlnum(after) && after != 'T')) return;
      // A date followed by a time of day is a timestamp, not a birth date.
      if ((after == 'T' || after == ' ') && e + 3 < text.size() && IsDigit(text[e + 1]) &&
          IsDigit(text[e + 2]) && text[e + 3] == ':') {
        return;
      }
      if (IsAlnum(after) || !internal::DateValid(m)) return;
      ContextHit c = context(Entity::kDateOfBirth, true);
      if (!c.positive || c.negative) return;
      out.push_back({b, e, Entity::kDateOfBirth, c.field ? 0.95f : 0.85f});
      return;
    }
    case Kind::kCardLike: {
      if (!number_bounded) return;
      std::string digits = internal::DigitsOf(m);
      bool card = internal::CreditCardValid(m);
      bool imei = internal::ImeiValid(m);
      if (!card && !imei) return;
      ContextHit imei_ctx = context(Entity::kImei);
      if (imei && (imei_ctx.positive || !card)) {
        out.push_back({b, e, Entity::kImei, imei_ctx.positive ? 0.95f : 0.5f});
        return;
      }
      ContextHit c = context(Entity::kCreditCard);
      bool grouped = digits.size() != m.size();
      float s = grouped ? 0.9f : 0.8f;
      if (c.positive) s = 1.0f;
      out.push_back({b, e, Entity::kCreditCard, s});
      return;
    }
    case Kind::kSsn: {
      if (!number_bounded || !internal::UsSsnValid(m)) return;
      ContextHit c = context(Entity::kUsSsn);
      bool separated = m.size() == 11;
      if (!separated && !c.positive) return;
      out.push_back({b, e, Entity::kUsSsn, c.positive ? 1.0f : 0.75f});
      return;
    }
    case Kind::kIpv4: {
      if (IsAlnum(before) || IsAlnum(after) || before == '.' || (after == '.' && IsDigit(after2))) {
        return;
      }
      if (!internal::Ipv4Valid(m)) return;
      ContextHit c = context(Entity::kIpAddress);
      if (c.negative) return;  // "version 1.2.3.4"
      out.push_back({b, e, Entity::kIpAddress, c.positive ? 0.95f : 0.7f});
      return;
    }
    case Kind::kIpv6: {
      if (IsHexOrColon(before) || IsHexOrColon(after) || IsAlnum(after) || before == '.') return;
      if (!internal::Ipv6Valid(m)) return;
      if (m == "::" || m == "::1") return;  // unspecified and loopback identify nobody
      ContextHit c = context(Entity::kIpAddress);
      if (c.negative) return;
      size_t colons = std::count(m.begin(), m.end(), ':');
      float s = colons >= 4 ? 0.8f : 0.4f;
      if (c.positive) s += 0.2f;
      out.push_back({b, e, Entity::kIpAddress, Clamp(s)});
      return;
    }
    case Kind::kIban: {
      if (IsAlnum(before)) return;
      // Take exactly the country's length, so that words after the IBAN do not
      // join it.
      int want = internal::IbanLength(m.substr(0, 2));
      if (want == 0) return;
      int n = 0;
      size_t end = b;
      while (end < e && n < want) {
        if (text[end] != ' ') ++n;
        ++end;
      }
      if (n != want || (end < text.size() && IsAlnum(text[end]))) return;
      if (!internal::IbanValid(text.substr(b, end - b))) return;
      out.push_back({b, end, Entity::kIbanCode, 1.0f});
      return;
    }
    case Kind::kMac: {
      if (IsHexOrColon(before) || IsHexOrColon(after) || before == '-' || after == '-') return;
      if (!internal::MacValid(m)) return;
      ContextHit c = context(Entity::kMacAddress);
      out.push_back({b, e, Entity::kMacAddress, c.positive ? 0.95f : 0.75f});
      return;
    }
    case Kind::kGeo: {
      if (IsAlnum(before) || before == '.' || IsAlnum(after) || !internal::GeoPairValid(m)) return;
      ContextHit c = context(Entity::kGeoCoordinate);
      out.push_back({b, e, Entity::kGeoCoordinate, c.positive ? 0.95f : 0.7f});
      return;
    }
    case Kind::kUuid: {
      if (IsAlnum(before) || IsAlnum(after) || before == '-' || after == '-') return;
      if (!internal::UuidValid(m)) return;
      ContextHit c = context(Entity::kAdvertisingId, true);
      if (!c.positive) return;  // a UUID is only an advertising id in that context
      out.push_back({b, e, Entity::kAdvertisingId, c.field ? 0.95f : 0.9f});
      return;
    }
  }
}

// The one pass over a buffer, 64 bytes at a time: stops at digit runs, '@' and
// ':' (the few that can start a finding) and tries the rules that can match there. Every rule behaves as if it scanned the
// buffer alone: it is tried at every position where one of its matches can start
// a finding (a digit run's start, the bytes before an '@', ...), except inside its
// own previous match (next_[kind]), like a regex engine looking for the next match.
class Scanner::Impl::Pass {
 public:
  Pass(const Scanner::Impl& impl, std::string_view text, const FieldNames* fields,
       std::string_view field_override, std::vector<Hit>& hits)
      : impl_(impl), text_(text), fields_(fields), field_override_(field_override), hits_(hits) {}

  void Run() {
    const size_t n = text_.size();
    Masks prev;  // of the previous block: its last two bytes matter
    for (size_t block = 0; block < n; block += 64) {
      Masks m = ClassifyBlock(block);
      // Bit i of `x1`/`x2`: byte i-1 / i-2 of the block is in class x.
      uint64_t digit1 = m.digit << 1 | prev.digit >> 63;
      uint64_t digit2 = m.digit << 2 | prev.digit >> 62;
      uint64_t sep1 = m.sep << 1 | prev.sep >> 63;
      uint64_t hex_letter1 = m.hex_letter << 1 | prev.hex_letter >> 63;
      uint64_t hex_or_colon1 = (m.digit | m.hex_letter | m.colon) << 1 |
                               (prev.digit | prev.hex_letter | prev.colon) >> 63;
      // Digit runs that start no finding are skipped: after a digit and '-', '.' or
      // ':' they continue a number, date, time or address that started before;
      // after a digit and a hex letter they are inside a hex token whose first
      // digits were looked at.
      uint64_t run_starts = m.digit & ~digit1 & ~((sep1 | hex_letter1) & digit2);
      // A ':' is looked at only after a hex digit or ':' (IPv6 and MAC addresses
      // have such a colon; OnColon looks at the whole run from there).
      uint64_t stops = run_starts | m.at | (m.colon & hex_or_colon1);
      prev = m;
      while (stops != 0) {
        size_t i = block + static_cast<size_t>(__builtin_ctzll(stops));
        stops &= stops - 1;
        if (i >= n) break;
        char c = text_[i];
        if (c == '@') {
          OnAt(i);
        } else if (c == ':') {
          OnColon(i);
        } else {
          size_t r = i + 1;
          while (r < n && IsDigit(text_[r])) ++r;
          OnDigits(i, r);
        }
      }
    }
  }

 private:
  // Bit i: byte `block + i` is in the class (bytes past the end are in none).
  struct Masks {
    uint64_t digit = 0;
    uint64_t hex_letter = 0;  // a-f, A-F
    uint64_t sep = 0;         // '-', '.', ':'
    uint64_t colon = 0;
    uint64_t at = 0;
  };
  Masks ClassifyBlock(size_t block) const {
    const char* p = text_.data() + block;
    char tail[64];
    if (block + 64 > text_.size()) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, p, text_.size() - block);
      p = tail;
    }
    Masks m;
#if defined(__SSE2__)
    for (int part = 0; part < 4; ++part) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
      // (c - base) <= limit, unsigned: min(x, limit) == x.
      auto in_range = [&](char base, char limit) {
        __m128i x = _mm_sub_epi8(v, _mm_set1_epi8(base));
        return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(limit)), x);
      };
      auto bits = [&](__m128i x) {
        return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(x))) << (16 * part);
      };
      __m128i colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(':'));
      m.digit |= bits(in_range('0', 9));
      m.hex_letter |= bits(in_range('a', 5)) | bits(in_range('A', 5));
      m.colon |= bits(colon);
      m.sep |= bits(_mm_or_si128(colon, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
                                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('.')))));
      m.at |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
    }
#else
    for (int i = 0; i < 64; ++i) {
      char c = p[i];
      uint64_t bit = uint64_t{1} << i;
      if (IsDigit(c)) m.digit |= bit;
      if (IsHexByte(c) && !IsDigit(c)) m.hex_letter |= bit;
      if (c == '-' || c == '.' || c == ':') m.sep |= bit;
      if (c == ':') m.colon |= bit;
      if (c == '@') m.at |= bit;
    }
#endif
    return m;
  }

  char At(size_t i) const { return i < text_.size() ? text_[i] : ' '; }
  char Before(size_t i) const { return i > 0 ? text_[i - 1] : ' '; }

  // A match [b, e) of `kind`'s rule: classify it and let the rule go on after it.
  void Match(Kind kind, size_t b, size_t e) {
    impl_.Classify(kind, text_, b, e, fields_, field_override_, hits_);
    next_[static_cast<int>(kind)] = e;
  }
  bool May(Kind kind, size_t b) const { return impl_.On(kind) && b >= next_[static_cast<int>(kind)]; }

  // An e-mail address around the '@' at `at`: the local part starts at most 64
  // bytes before it (leftmost), the rest is RE2's anchored match.
  void OnAt(size_t at) {
    size_t b = at;
    while (b > 0 && at - b < 64 && IsLocalPart(text_[b - 1])) --b;
    b = std::max(b, next_[static_cast<int>(Kind::kEmail)]);
    if (b == at || !May(Kind::kEmail, b)) return;
    re2::StringPiece m;
    size_t end = std::min(text_.size(), at + 260);
    if (impl_.email->Match(re2::StringPiece(text_.data(), text_.size()), b, end, RE2::ANCHOR_START, &m, 1)) {
      Match(Kind::kEmail, b, b + m.size());
    }
  }
  static bool IsLocalPart(char c) {
    static constexpr std::string_view kSpecial = "!#$%&'*+/=?^_`{|}~.-";
    return IsAlnum(c) || kSpecial.find(c) != std::string_view::npos;
  }

  // IPv6 and colon-separated MAC addresses around the ':' at `i`; each run of
  // hex digits, colons and dots is looked at once.
  void OnColon(size_t i) {
    if (i < colon_done_ || !(impl_.On(Kind::kIpv6) || impl_.On(Kind::kMac))) return;
    constexpr size_t kReach = 46;  // longer than any IPv6 address (45)
    auto hex_colon_dot = [](char c) { return IsHexByte(c) || c == ':' || c == '.'; };
    size_t b = i;
    while (b > 0 && i - b < kReach && hex_colon_dot(text_[b - 1])) --b;
    size_t e = i + 1;
    while (e < text_.size() && e - i < kReach && hex_colon_dot(text_[e])) ++e;
    colon_done_ = e;
    // IPv6 ([0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]) where the run has
    // "::" or three colons. A match not starting the run follows a '.', which
    // disqualifies it; so the match is the run up to its last hex digit, if no dot
    // comes before its second colon.
    std::string_view run = text_.substr(b, e - b);
    size_t colons = std::count(run.begin(), run.end(), ':');
    if (impl_.On(Kind::kIpv6) && (colons >= 3 || run.find("::") != std::string_view::npos)) {
      size_t second = run.find(':', run.find(':') + 1);
      size_t last = run.size();
      while (last > second + 1 && !IsHexByte(run[last - 1])) --last;
      if (second != std::string_view::npos && run.substr(0, second).find('.') == std::string_view::npos &&
          last > second + 1 && May(Kind::kIpv6, b)) {
        Match(Kind::kIpv6, b, b + last);
      }
    }
    // Six hex octets separated by ':' (or '-'): exactly the run of hex, ':' and '-'.
    if (colons >= 5 && impl_.On(Kind::kMac)) {
      auto hex_sep = [](char c) { return IsHexByte(c) || c == ':' || c == '-'; };
      size_t mb = i;
      while (mb > 0 && i - mb < 17 && hex_sep(text_[mb - 1])) --mb;
      size_t me = i + 1;
      while (me < text_.size() && me - mb < 18 && hex_sep(text_[me])) ++me;
      if (me - mb == 17 && May(Kind::kMac, mb)) Match(Kind::kMac, mb, me);
    }
  }

  // Hex tokens that contain the digit run at `s`: UUIDs (advertising ids) and
  // MAC addresses written with '-' or as xxxx.xxxx.xxxx. A token is looked at once.
  void OnHexToken(size_t s) {
    constexpr size_t kReach = 40;
    auto hex_dash = [](char c) { return IsHexByte(c) || c == '-'; };
    size_t b = s;
    while (b > 0 && s - b < kReach && hex_dash(text_[b - 1])) --b;
    size_t e = s;
    while (e < text_.size() && e - s < kReach && hex_dash(text_[e])) ++e;
    hex_done_ = e;
    if (e - b == 36 && text_[b + 8] == '-' && text_[b + 13] == '-' && text_[b + 18] == '-' &&
        text_[b + 23] == '-') {  // UUID-shaped (Classify validates the rest)
      uuid_until_ = e;
      if (May(Kind::kUuid, b)) Match(Kind::kUuid, b, e);
    }
    if (e - b == 17 && May(Kind::kMac, b)) Match(Kind::kMac, b, e);
    if (!impl_.On(Kind::kMac)) return;
    // Dotted: the run of hex digits and dots, its first 14 bytes.
    auto hex_dot = [](char c) { return IsHexByte(c) || c == '.'; };
    size_t db = s;
    while (db > 0 && s - db < 15 && hex_dot(text_[db - 1])) --db;
    if (db + 14 <= text_.size() && text_[db + 4] == '.' && text_[db + 9] == '.' &&
        !IsHexByte(At(db + 14)) && May(Kind::kMac, db)) {
      Match(Kind::kMac, db, db + 14);
    }
  }

  // The digit run [s, r): every numeric rule that can start a finding here.
  void OnDigits(size_t s, size_t r) {
    const size_t len = r - s;
    const char before = Before(s);
    const char after = At(r);
    auto hexish = [](char c) { return c == '-' || c == '.' || (IsHexByte(c) && !IsDigit(c)); };
    if (s >= hex_done_ && (hexish(before) || hexish(after)) &&
        (impl_.On(Kind::kUuid) || impl_.On(Kind::kMac))) {
      OnHexToken(s);
    }
    if (s < uuid_until_) return;  // digits inside a UUID are not numbers of their own
    if (s >= 2 && len >= 2 && IsAlphaByte(before) && IsAlphaByte(text_[s - 2]) && May(Kind::kIban, s - 2)) {
      if (size_t e = internal::IbanEnd(text_, s - 2)) Match(Kind::kIban, s - 2, e);
    }
    if (impl_.On(Kind::kDate) && len <= 4) OnDate(s, len, before, after);
    // Every other numeric match either is a long run or goes on with a separator.
    const bool separated = after == ' ' || after == '-' || after == '.' || after == '(' ||
                           after == ')' || after == '/' || after == ',' || after == '\t' ||
                           after == '\n' || after == '\r' || after == '\f';
    if (!separated && len < 7) return;
    if (May(Kind::kPhone, s)) {
      if (size_t e = internal::PhoneEnd(text_, s)) {
        size_t b = s;
        if (Before(b) == '(' && b - 1 >= next_[static_cast<int>(Kind::kPhone)]) --b;
        if (Before(b) == '+' && b - 1 >= next_[static_cast<int>(Kind::kPhone)]) --b;
        Match(Kind::kPhone, b, e);
      }
    }
    if (May(Kind::kCardLike, s)) {
      if (size_t e = internal::CardEnd(text_, s)) Match(Kind::kCardLike, s, e);
    }
    if (len >= 3 && May(Kind::kSsn, s)) {
      if (size_t e = internal::SsnEnd(text_, s)) Match(Kind::kSsn, s, e);
    }
    if (len <= 3 && after == '.' && May(Kind::kIpv4, s)) {
      if (size_t e = internal::Ipv4End(text_, s)) Match(Kind::kIpv4, s, e);
    }
    if (len <= 2 && after == '.' && impl_.On(Kind::kGeo)) {
      size_t b = before == '-' && May(Kind::kGeo, s - 1) ? s - 1 : s;
      if (May(Kind::kGeo, b)) {
        if (size_t e = internal::GeoEnd(text_, b)) Match(Kind::kGeo, b, e);
      }
    }
  }

  // Dates: D/M/Y, Y-M-D, and month names next to the digits.
  void OnDate(size_t s, size_t len, char before, char after) {
    if ((after == '-' || after == '/' || after == '.') && len != 3 && May(Kind::kDate, s)) {
      if (size_t e = internal::NumericDateEnd(text_, s)) return Match(Kind::kDate, s, e);
    }
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
    if (len > 2 || !(space(before) || space(after) || IsAlphaByte(after))) return;
    size_t b = internal::MonthDateStart(text_, s);
    if (b == std::string_view::npos || !May(Kind::kDate, b)) return;
    re2::StringPiece m;
    size_t end = std::min(text_.size(), b + 64);
    if (impl_.date->Match(re2::StringPiece(text_.data(), text_.size()), b, end, RE2::ANCHOR_START, &m, 1)) {
      Match(Kind::kDate, b, b + m.size());
    }
  }

  const Scanner::Impl& impl_;
  std::string_view text_;
  const FieldNames* fields_;
  std::string_view field_override_;
  std::vector<Hit>& hits_;
  std::array<size_t, kKindCount> next_{};
  size_t colon_done_ = 0;  // ':' before this were part of a run already looked at
  size_t hex_done_ = 0;    // digit runs before this were part of a hex token looked at
  size_t uuid_until_ = 0;  // digit runs before this are inside a UUID
};

std::vector<Finding> Scanner::Impl::Run(std::string_view text, const FieldNames* fields,
                                        std::string_view field_override) const {
  std::vector<Finding> findings;
  if (text.empty()) return findings;
  std::vector<Hit> hits;
  Pass(*this, text, fields, field_override, hits).Run();

  // Overlaps: keep the best-scoring, then the longest, finding.
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.end - a.begin > b.end - b.begin;
  });
  std::map<size_t, Hit> kept;  // by begin; never overlapping
  for (const Hit& h : hits) {
    if (h.score < options.min_score || !Enabled(h.entity)) continue;
    auto next = kept.lower_bound(h.begin);
    if (next != kept.end() && next->second.begin < h.end) continue;
    if (next != kept.begin() && std::prev(next)->second.end > h.begin) continue;
    kept.emplace_hint(next, h.begin, h);
  }
  findings.reserve(kept.size());
  for (const auto& [begin, h] : kept) {
    findings.push_back({h.begin, static_cast<uint32_t>(h.end - h.begin), h.entity, h.score});
  }
  return findings;
}

Result<std::unique_ptr<Scanner>> Scanner::Create(const ScanOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  for (int i = 0; i < kEntityCount; ++i) impl->enabled[i] = options.entities.empty();
  for (Entity e : options.entities) impl->enabled[static_cast<int>(e)] = true;
  if (!(options.min_score >= 0 && options.min_score <= 1)) {
    return InvalidArgumentError("min_score must be within [0, 1]");
  }
  bool any = false;
  for (int k = 0; k < kKindCount; ++k) {
    impl->rule_on[k] = impl->Enabled(kKindEntities[k][0]) || impl->Enabled(kKindEntities[k][1]);
    any = any || impl->rule_on[k];
  }
  if (!any) return InvalidArgumentError("no entity enabled");
  RE2::Options re_options;
  re_options.set_encoding(RE2::Options::EncodingLatin1);  // bytes, not UTF-8
  re_options.set_log_errors(false);
  impl->email = std::make_unique<RE2>(kEmailPattern, re_options);
  impl->date = std::make_unique<RE2>(kDatePattern, re_options);
  if (!impl->email->ok() || !impl->date->ok()) return InternalError("bad RE2 pattern");
  return std::unique_ptr<Scanner>(new Scanner(std::move(impl)));
}

std::vector<std::string> internal::CandidatePatterns() {
  return std::vector<std::string>(std::begin(kCandidateRegexes), std::end(kCandidateRegexes));
}

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::~Scanner() = default;

std::vector<Finding> Scanner::Scan(std::string_view text, const FieldNames* fields) const {
  return impl_->Run(text, fields, {});
}

std::vector<Finding> Scanner::ScanField(std::string_view text, std::string_view field_name) const {
  return impl_->Run(text, nullptr, field_name);
}

const ScanOptions& Scanner::options() const { return impl_->options; }

std::string MaskValue(std::string_view value, Entity entity) {
  std::string out;
  out.reserve(value.size());
  // Keep the separators' shape and at most the last 4 (2 for short values)
  // alphanumerics; e-mail keeps only the first character and the domain's TLD.
  size_t keep_tail = value.size() >= 12 ? 4 : value.size() >= 8 ? 2 : 0;
  size_t at = entity == Entity::kEmailAddress ? value.find('@') : std::string_view::npos;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    bool alnum = IsAlnum(c);
    if (at != std::string_view::npos) {
      size_t last_dot = value.rfind('.');
      bool show = i == 0 || i == at || (last_dot != std::string_view::npos && i >= last_dot);
      out.push_back(show ? c : (alnum ? '*' : c));
      continue;
    }
    bool tail = i + keep_tail >= value.size();
    if (!alnum) {
      out.push_back(static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e ? '?' : c);
    } else {
      out.push_back(tail ? c : '*');
    }
  }
  return out;
}

}  // namespace domicile::scan
