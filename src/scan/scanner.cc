#include "scan/scanner.h"

#include <hs/hs.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
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
  kNone,  // pads CandidatePattern::kinds; never classified
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

// Exact patterns run by RE2, on rare events only: the e-mail address at an '@',
// dates and UUIDs near their keywords.
constexpr const char* kEmailPattern =
    R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})";
constexpr const char* kUuidPattern =
    R"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})";
constexpr const char* kDatePattern =
    R"(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|(?i:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d{1,2}(?:st|nd|rd|th)?,?\s{1,3}\d{4})|(?i:\d{1,2}(?:st|nd|rd|th)?\s{1,3}(?:of\s)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,?\s{1,3}\d{4}))";

// The candidate stage: one Vectorscan database (block mode, no start-of-match
// tracking) of patterns built to fire rarely, each feeding one or more rules. A match's end opens
// the window [end - before, end + after] where the rule's exact matches may
// start (`before`: the farthest an exact match can start before the end of its
// candidate; for e-mail, where its '@' can be). Birth dates and advertising ids have keyword patterns: a date or UUID
// alone is not personal data, so only those near such words are looked at.
struct CandidatePattern {
  std::array<Kind, 5> kinds;  // the rules that look in its windows (kNone pads)
  const char* candidate;
  int before;
  int after;
};
// Vectorscan runs one engine per pattern that has no literal factor, over every
// byte, so the rules that start at a digit run share one pattern, and so do the
// two hex-and-separator rules (IPv6, MAC); see docs/scan.md.
constexpr CandidatePattern kPatterns[] = {
    {{Kind::kEmail, Kind::kNone, Kind::kNone, Kind::kNone, Kind::kNone},
     R"([A-Za-z0-9_%+\-]@[A-Za-z0-9\-]+\.[A-Za-z]{2})", 260, 0},
    // Every phone, card, IMEI and SSN match has seven digits with gaps of up
    // to 3 separators within its first 13 bytes; every IPv4 address has the
    // second alternative within its first 13, every geo pair the third within
    // its first 32.
    {{Kind::kPhone, Kind::kCardLike, Kind::kSsn, Kind::kIpv4, Kind::kGeo},
     R"(\d(?:[ .()\-]{0,3}\d){6}|\d\.\d{1,3}\.\d{1,3}\.\d|\d\.\d{3}\d*\s?,\s?-?\d{1,3}\.\d{3})", 32, 0},
    {{Kind::kDate, Kind::kNone, Kind::kNone, Kind::kNone, Kind::kNone},
     R"((?i:born|birth|dob|d[^A-Za-z0-9]{1,3}o[^A-Za-z0-9]{1,3}b|b[^A-Za-z0-9]{0,3}day|geb|naissance|nacimiento|nascita)|(?:^|[^A-Za-z0-9])(?i:nee?)(?:[^a-z0-9]|$)|[a-z]N(?i:ee?)(?:[^a-z0-9]|$))",
     96, 96},
    // A valid IPv6 address has "::" or at least six colons, so three colons with
    // hex digits between; a MAC address has its first three octets with '-' (or,
    // with ':', the same three colons) or is xxxx.xxxx.xxxx. Either starts at
    // most 17 bytes before the end of such a candidate.
    {{Kind::kIpv6, Kind::kMac, Kind::kNone, Kind::kNone, Kind::kNone},
     R"(::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:|[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})",
     17, 0},
    {{Kind::kIban, Kind::kNone, Kind::kNone, Kind::kNone, Kind::kNone},
     R"([A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11})", 28, 0},
    {{Kind::kUuid, Kind::kNone, Kind::kNone, Kind::kNone, Kind::kNone},
     R"((?i:idfa|aaid|gaid|adid|ad[^A-Za-z0-9]{1,3}(?:id|tracking)|advertis|ifa|maid|adjust|appsflyer))", 96,
     96},
};
constexpr int kPatternCount = static_cast<int>(std::size(kPatterns));

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
  std::unique_ptr<RE2> uuid;
  hs_database_t* db = nullptr;
  hs_scratch_t* prototype = nullptr;
  mutable PhoneVerdicts phone_verdicts;

  mutable std::mutex mu;
  mutable std::vector<hs_scratch_t*> free_scratch;  // guarded by mu

  ~Impl() {
    for (hs_scratch_t* s : free_scratch) hs_free_scratch(s);
    if (prototype != nullptr) hs_free_scratch(prototype);
    if (db != nullptr) hs_free_database(db);
  }

  // A Vectorscan scratch for one scan (they are not shareable between threads).
  hs_scratch_t* Borrow() const {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!free_scratch.empty()) {
        hs_scratch_t* s = free_scratch.back();
        free_scratch.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    return hs_clone_scratch(prototype, &s) == HS_SUCCESS ? s : nullptr;
  }
  void Return(hs_scratch_t* s) const {
    std::lock_guard<std::mutex> lock(mu);
    free_scratch.push_back(s);
  }

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
  // The extension starts at its 'x' or '#' ("ext" has an 'x' too). A plain loop:
  // string_view::find_first_of calls memchr once per byte.
  size_t ext = 0;
  while (ext < s.size() && s[ext] != 'x' && s[ext] != '#') ++ext;
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
      bool plain = std::none_of(m.begin(), m.end(), [](char c) { return c == '+' || c == '('; });
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
    case Kind::kNone:
      return;
  }
}

namespace {

// Collected by the Vectorscan callback: per candidate pattern, the byte ranges
// where an exact match of its rules may start, merged as they come (ends arrive
// in order).
struct Window {
  size_t begin;
  size_t end;
};
struct Candidates {
  size_t text_size = 0;
  size_t base = 0;  // where the slice being scanned starts in the text
  std::array<std::vector<Window>, kPatternCount> windows;
};

int OnCandidate(unsigned int id, unsigned long long /*from*/, unsigned long long slice_to,
                unsigned int /*flags*/, void* ctx) {
  auto* c = static_cast<Candidates*>(ctx);
  const CandidatePattern& r = kPatterns[id];
  const size_t to = c->base + slice_to;
  size_t b = to > static_cast<size_t>(r.before) ? to - r.before : 0;
  size_t e = std::min<size_t>(c->text_size, to + r.after);
  auto& w = c->windows[id];
  if (!w.empty() && b <= w.back().end) {
    w.back().end = std::max(w.back().end, e);
  } else {
    w.push_back({b, e});
  }
  return 0;
}

}  // namespace

// The exact stage for one buffer: each rule looks for its exact matches in its
// candidate windows, like a regex engine would (leftmost first, the next match
// after the previous one's end: next_[kind]), and classifies them.
class Scanner::Impl::Pass {
 public:
  Pass(const Scanner::Impl& impl, std::string_view text, const FieldNames* fields,
       std::string_view field_override, std::vector<Hit>& hits)
      : impl_(impl), text_(text), fields_(fields), field_override_(field_override), hits_(hits) {}

  void Run(const Candidates& cands) {
    // Birth dates and advertising ids are looked for near their keywords only,
    // unless a field name away from the text (CSV header, SQL column) may
    // support them: then everywhere (and the keyword windows add nothing).
    for (Kind kind : {Kind::kDate, Kind::kUuid}) {
      everywhere_[static_cast<int>(kind)] =
          impl_.On(kind) && SupportedOffText(kKindEntities[static_cast<int>(kind)][0]);
      if (everywhere_[static_cast<int>(kind)]) ExactRe2(kind, {0, text_.size()});
    }
    for (int r = 0; r < kPatternCount; ++r) {
      for (Window w : cands.windows[r]) OnWindow(kPatterns[r].kinds, w);
    }
  }

 private:
  char At(size_t i) const { return i < text_.size() ? text_[i] : ' '; }
  char Before(size_t i) const { return i > 0 ? text_[i - 1] : ' '; }
  size_t& Next(Kind kind) { return next_[static_cast<int>(kind)]; }

  // A match [b, e) of `kind`'s rule: classify it and let the rule go on after it.
  void Match(Kind kind, size_t b, size_t e) {
    impl_.Classify(kind, text_, b, e, fields_, field_override_, hits_);
    Next(kind) = e;
  }

  bool SupportedOffText(Entity entity) const {
    if (!field_override_.empty()) {
      internal::ContextHit c = internal::FindContext(entity, {}, 0, 0, field_override_);
      return c.positive;
    }
    return fields_ != nullptr && !fields_->NamesInText() && fields_->MayName(entity);
  }

  void OnWindow(const std::array<Kind, 5>& kinds, Window w) {
    const Kind kind = kinds[0];
    switch (kind) {
      case Kind::kEmail:
        for (size_t i = Find('@', w.begin, w.end); i < w.end; i = Find('@', i + 1, w.end)) OnAt(i);
        return;
      case Kind::kIpv6:  // and kMac
        if (impl_.On(Kind::kIpv6)) {
          for (size_t i = w.begin; i < w.end; ++i) {
            if (text_[i] == ':') OnColonRun(i);
          }
        }
        if (impl_.On(Kind::kMac)) OnMacWindow(w);
        return;
      case Kind::kDate:
      case Kind::kUuid: {
        if (everywhere_[static_cast<int>(kind)]) return;
        // A keyword ends in the window's middle; with JSON keys, whatever follows
        // on the line may be the keyword's value.
        if (fields_ != nullptr && fields_->NamesInText()) {
          size_t reach = std::min(kLineReach, text_.size() - w.end);
          const void* nl = std::memchr(text_.data() + w.end, '\n', reach);
          w.end = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - text_.data())
                                : std::min(text_.size(), w.end + kLineReach);
        }
        ExactRe2(kind, w);
        return;
      }
      default:
        OnNumericWindow(kinds, w);
        return;
    }
  }

  // The numeric rules: every digit run starting in the window (and not inside a
  // UUID) is a possible start; each rule's matcher takes it from there.
  void OnNumericWindow(const std::array<Kind, 5>& kinds, Window w) {
    const bool iban = std::find(kinds.begin(), kinds.end(), Kind::kIban) != kinds.end();
    size_t i = w.begin;
    while (i < w.end) {
      if (!IsDigit(text_[i])) {
        ++i;
        continue;
      }
      size_t s = i;
      while (i < text_.size() && IsDigit(text_[i])) ++i;  // i: the run's end
      if (IsDigit(Before(s))) continue;
      const bool number = NumberMayStart(s, i);
      if ((!number && !iban) || InsideUuid(s, i)) continue;
      for (Kind kind : kinds) {
        if (kind == Kind::kNone || !impl_.On(kind) || s < Next(kind)) continue;
        if (number || kind == Kind::kIban) TryNumber(kind, s);
      }
    }
  }

  // The first byte `c` in text_[i, end), or end.
  size_t Find(char c, size_t i, size_t end) const {
    const void* p = i < end ? std::memchr(text_.data() + i, c, end - i) : nullptr;
    return p != nullptr ? static_cast<size_t>(static_cast<const char*>(p) - text_.data()) : end;
  }

  // Whether a phone, card, SSN, IPv4 or geo match can start at the digit run
  // [s, r): each needs its first seven bytes to be digits, spaces or ().- ,
  // except a geo pair, which has a '.' after one or two digits. Most runs in
  // a window (times, amounts, ids) fail this, which is cheaper than the matchers.
  bool NumberMayStart(size_t s, size_t r) const {
    if (At(s + 1) == '.' || At(s + 2) == '.') return true;
    for (size_t k = r; k < s + 7; ++k) {
      char c = At(k);
      if (!IsDigit(c) && c != ' ' && c != '(' && c != ')' && c != '.' && c != '-') return false;
    }
    return true;
  }

  void TryNumber(Kind kind, size_t s) {
    size_t b = s;
    size_t e = 0;
    switch (kind) {
      case Kind::kPhone:
        e = internal::PhoneEnd(text_, s);
        if (Before(b) == '(' && b - 1 >= Next(kind)) --b;
        if (Before(b) == '+' && b - 1 >= Next(kind)) --b;
        break;
      case Kind::kCardLike:
        e = internal::CardEnd(text_, s);
        break;
      case Kind::kSsn:
        e = internal::SsnEnd(text_, s);
        break;
      case Kind::kIpv4:
        e = internal::Ipv4End(text_, s);
        break;
      case Kind::kGeo:
        if (Before(b) == '-' && b - 1 >= Next(kind)) --b;
        e = internal::GeoEnd(text_, b);
        break;
      case Kind::kIban:
        if (s < 2 || !IsAlphaByte(text_[s - 1]) || !IsAlphaByte(text_[s - 2]) || s - 2 < Next(kind)) break;
        b = s - 2;
        e = internal::IbanEnd(text_, b);
        break;
      default:
        break;
    }
    if (e != 0) Match(kind, b, e);
  }

  // Digits inside a UUID are part of it, not numbers of their own. The hex token
  // around a run is measured once for all its runs.
  bool InsideUuid(size_t s, size_t r) {
    if (s >= token_.begin && s < token_.end) return token_is_uuid_;
    auto hexish = [](char c) { return c == '-' || (IsHexByte(c) && !IsDigit(c)); };
    if (!hexish(Before(s)) && !hexish(At(r))) return false;
    auto hex_dash = [](char c) { return IsHexByte(c) || c == '-'; };
    size_t b = s;
    while (b > 0 && s - b < 36 && hex_dash(text_[b - 1])) --b;
    size_t e = r;
    while (e < text_.size() && e - b < 37 && hex_dash(text_[e])) ++e;
    token_ = {b, e};
    token_is_uuid_ = e - b == 36 && text_[b + 8] == '-' && text_[b + 13] == '-' && text_[b + 18] == '-' &&
                     text_[b + 23] == '-';
    return token_is_uuid_;
  }

  // An e-mail address around the '@' at `at`: the local part starts at most 64
  // bytes before it (leftmost), the rest is RE2's anchored match.
  void OnAt(size_t at) {
    size_t b = at;
    while (b > 0 && at - b < 64 && IsLocalPart(text_[b - 1])) --b;
    b = std::max(b, Next(Kind::kEmail));
    if (b == at) return;
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

  // IPv6 ([0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]) in the run of hex
  // digits, colons and dots around the ':' at `i`, each run once. A match not
  // starting the run follows a '.', which disqualifies it; so the match is the
  // run up to its last hex digit, if no dot comes before its second colon.
  void OnColonRun(size_t i) {
    if (i < colon_done_) return;
    constexpr size_t kReach = 46;  // longer than any IPv6 address (45)
    auto hex_colon_dot = [](char c) { return IsHexByte(c) || c == ':' || c == '.'; };
    size_t b = i;
    while (b > 0 && i - b < kReach && hex_colon_dot(text_[b - 1])) --b;
    size_t e = i + 1;
    while (e < text_.size() && e - i < kReach && hex_colon_dot(text_[e])) ++e;
    colon_done_ = e;
    std::string_view run = text_.substr(b, e - b);
    size_t second = run.find(':', run.find(':') + 1);
    if (second == std::string_view::npos || run.substr(0, second).find('.') != std::string_view::npos) return;
    size_t last = run.size();
    while (last > second + 1 && !IsHexByte(run[last - 1])) --last;
    if (last > second + 1 && b >= Next(Kind::kIpv6)) Match(Kind::kIpv6, b, b + last);
  }

  // MAC addresses: six hex octets with ':' or '-' (17 bytes) or xxxx.xxxx.xxxx
  // (14 bytes), at any position of the window where the shape fits.
  void OnMacWindow(Window w) {
    for (size_t b = std::max(w.begin, Next(Kind::kMac)); b < w.end; ++b) {
      if (!IsHexByte(text_[b]) || b < Next(Kind::kMac)) continue;
      std::string_view rest = text_.substr(b);
      if (rest.size() >= 17 && internal::MacValid(rest.substr(0, 17))) {
        Match(Kind::kMac, b, b + 17);
      } else if (rest.size() >= 14 && rest[4] == '.' && rest[9] == '.' &&
                 internal::MacValid(rest.substr(0, 14))) {
        Match(Kind::kMac, b, b + 14);
      }
    }
  }

  // Dates and UUIDs: RE2's exact pattern over the range (near a keyword, or the
  // whole buffer when a field name may support them).
  void ExactRe2(Kind kind, Window w) {
    const RE2& re = kind == Kind::kDate ? *impl_.date : *impl_.uuid;
    size_t pos = std::max(w.begin, Next(kind));
    re2::StringPiece m;
    while (pos < w.end && re.Match(re2::StringPiece(text_.data(), text_.size()), pos, w.end,
                                   RE2::UNANCHORED, &m, 1)) {
      size_t b = static_cast<size_t>(m.data() - text_.data());
      Match(kind, b, b + m.size());
      pos = std::max(b + m.size(), b + 1);
    }
  }

  static constexpr size_t kLineReach = 3584;  // as far as field names are looked for

  const Scanner::Impl& impl_;
  std::string_view text_;
  const FieldNames* fields_;
  std::string_view field_override_;
  std::vector<Hit>& hits_;
  std::array<size_t, kKindCount> next_{};
  std::array<bool, kKindCount> everywhere_{};  // looked for in the whole buffer
  size_t colon_done_ = 0;  // ':' before this were part of a run already looked at
  Window token_{0, 0};     // the last hex token InsideUuid() measured
  bool token_is_uuid_ = false;
};

std::vector<Finding> Scanner::Impl::Run(std::string_view text, const FieldNames* fields,
                                        std::string_view field_override) const {
  std::vector<Finding> findings;
  if (text.empty()) return findings;
  Candidates cands;
  cands.text_size = text.size();
  hs_scratch_t* scratch = Borrow();
  if (scratch == nullptr) return findings;  // out of memory: nothing we can report
  // Vectorscan takes an unsigned int length: scan in slices that overlap by more
  // than any window reaches, so that no candidate is lost at a slice edge (the
  // overlap's ends come again and merge into the windows they made before).
  constexpr size_t kSlice = size_t{1} << 30;
  constexpr size_t kOverlap = 512;
  for (size_t pos = 0; pos < text.size();) {
    size_t len = std::min(kSlice, text.size() - pos);
    cands.base = pos;
    hs_scan(db, text.data() + pos, static_cast<unsigned int>(len), 0, scratch, OnCandidate, &cands);
    if (pos + len >= text.size()) break;
    pos += len - kOverlap;
  }
  Return(scratch);
  std::vector<Hit> hits;
  Pass(*this, text, fields, field_override, hits).Run(cands);

  // Overlaps: keep the best-scoring, then the longest, then the earliest finding,
  // then the one of the entity listed first. A total order: with ties left to
  // std::sort, the same span could be reported as different entities depending
  // on how many hits the buffer had (a file scanned whole or in chunks).
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
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
  impl->uuid = std::make_unique<RE2>(kUuidPattern, re_options);
  if (!impl->email->ok() || !impl->date->ok() || !impl->uuid->ok()) return InternalError("bad RE2 pattern");

  std::vector<const char*> patterns;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  for (int r = 0; r < kPatternCount; ++r) {
    const auto& kinds = kPatterns[r].kinds;
    if (std::none_of(kinds.begin(), kinds.end(), [&](Kind k) { return k != Kind::kNone && impl->On(k); })) {
      continue;
    }
    patterns.push_back(kPatterns[r].candidate);
    flags.push_back(0);
    ids.push_back(static_cast<unsigned int>(r));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned int>(patterns.size()),
                       HS_MODE_BLOCK, nullptr, &impl->db, &error) != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return InternalError("compiling the candidate database: " + message);
  }
  if (hs_alloc_scratch(impl->db, &impl->prototype) != HS_SUCCESS) {
    return ResourceExhaustedError("allocating Vectorscan scratch");
  }
  return std::unique_ptr<Scanner>(new Scanner(std::move(impl)));
}

std::vector<std::string> internal::CandidatePatterns() {
  std::vector<std::string> out;
  for (const CandidatePattern& r : kPatterns) out.emplace_back(r.candidate);
  return out;
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
