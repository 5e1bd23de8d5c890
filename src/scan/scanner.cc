#include "scan/scanner.h"

#include <hs/hs.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "scan/internal/candidates.h"
#include "scan/internal/context.h"
#include "scan/internal/validators.h"

namespace domicile::scan {
namespace {

using internal::ContextHit;

// How a rule's exact match becomes a finding.
enum class Kind {
  kEmail, kPhone, kDate, kCardLike, kSsn, kIpv4, kIpv6, kIban, kMac, kGeo, kUuid,
};

// One detection rule. `candidate` is the Vectorscan pattern (it only needs to
// report where a match ends); `exact` is the RE2 pattern run on the window
// [end - before, end + after] around each candidate end, so `before` must cover
// the longest exact match that ends at or after the candidate's end.
struct Rule {
  Kind kind;
  const char* candidate;
  const char* exact;
  int before;
  int after;
  std::array<Entity, 2> entities;  // what the rule can report
};

constexpr Rule kRules[] = {
    {Kind::kEmail, R"([A-Za-z0-9_%+\-]@[A-Za-z0-9\-]+\.[A-Za-z]{2})",
     R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})",
     80, 260, {Entity::kEmailAddress, Entity::kEmailAddress}},
    {Kind::kPhone, R"(\d(?:[ .()\-]{0,3}\d){6})",
     R"(\+?\(?\d[\d ().\-]{5,24}\d(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?)",
     32, 40, {Entity::kPhoneNumber, Entity::kPhoneNumber}},
    {Kind::kDate,
     R"(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.]\d{2}|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d|\d\s{1,3}(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
     R"(\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|(?i:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d{1,2}(?:st|nd|rd|th)?,?\s{1,3}\d{4})|(?i:\d{1,2}(?:st|nd|rd|th)?\s{1,3}(?:of\s)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,?\s{1,3}\d{4}))",
     24, 24, {Entity::kDateOfBirth, Entity::kDateOfBirth}},
    {Kind::kCardLike, R"(\d(?:[ \-]?\d){11})", R"(\d(?:[ \-]?\d){11,18})", 24, 24,
     {Entity::kCreditCard, Entity::kImei}},
    {Kind::kSsn, R"(\d{3}[ \-]\d{2}[ \-]\d{4}|\d{9})", R"(\d{3}[ \-]?\d{2}[ \-]?\d{4})", 12, 4,
     {Entity::kUsSsn, Entity::kUsSsn}},
    {Kind::kIpv4, R"(\d\.\d{1,3}\.\d{1,3}\.\d)", R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", 16, 8,
     {Entity::kIpAddress, Entity::kIpAddress}},
    {Kind::kIpv6, R"([0-9A-Fa-f]::|::[0-9A-Fa-f]|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f])",
     R"([0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*[0-9A-Fa-f])", 44, 44,
     {Entity::kIpAddress, Entity::kIpAddress}},
    {Kind::kIban, R"([A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4})", R"([A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30})",
     10, 44, {Entity::kIbanCode, Entity::kIbanCode}},
    {Kind::kMac,
     R"([0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})",
     R"([0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})", 20, 4,
     {Entity::kMacAddress, Entity::kMacAddress}},
    {Kind::kGeo, R"(\d\.\d{3}\d*\s?,\s?-?\d{1,3}\.\d{3})", R"(-?\d{1,2}\.\d{3,10}\s?,\s?-?\d{1,3}\.\d{3,10})",
     32, 12, {Entity::kGeoCoordinate, Entity::kGeoCoordinate}},
    {Kind::kUuid, R"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})",
     R"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})", 40, 4,
     {Entity::kAdvertisingId, Entity::kAdvertisingId}},
};
constexpr int kRuleCount = static_cast<int>(std::size(kRules));

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsHexOrColon(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':'; }

// A candidate finding before overlaps are resolved.
struct Hit {
  size_t begin;
  size_t end;
  Entity entity;
  float score;
};

// A byte range of the buffer that some rule should look at with RE2.
struct Window {
  size_t begin;
  size_t end;
};

// Collected by the Vectorscan callback: merged windows, per rule.
struct Candidates {
  size_t text_size = 0;
  std::array<std::vector<Window>, kRuleCount> windows;
};

int OnCandidate(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                unsigned int /*flags*/, void* ctx) {
  auto* c = static_cast<Candidates*>(ctx);
  const Rule& r = kRules[id];
  size_t b = to > static_cast<unsigned long long>(r.before) ? to - r.before : 0;
  size_t e = std::min<size_t>(c->text_size, to + r.after);
  auto& w = c->windows[id];
  if (!w.empty() && b <= w.back().end) {
    w.back().end = std::max(w.back().end, e);
  } else {
    w.push_back({b, e});
  }
  return 0;
}

float Clamp(float s) { return std::min(1.0f, std::max(0.0f, s)); }

}  // namespace

struct Scanner::Impl {
  ScanOptions options;
  std::array<bool, kEntityCount> enabled{};
  std::array<std::unique_ptr<RE2>, kRuleCount> exact;
  hs_database_t* db = nullptr;
  hs_scratch_t* prototype = nullptr;

  mutable std::mutex mu;
  mutable std::vector<hs_scratch_t*> free_scratch;  // guarded by mu

  ~Impl() {
    for (hs_scratch_t* s : free_scratch) hs_free_scratch(s);
    if (prototype != nullptr) hs_free_scratch(prototype);
    if (db != nullptr) hs_free_database(db);
  }

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
    if (hs_clone_scratch(prototype, &s) != HS_SUCCESS) return nullptr;
    return s;
  }
  void Return(hs_scratch_t* s) const {
    std::lock_guard<std::mutex> lock(mu);
    free_scratch.push_back(s);
  }

  bool Enabled(Entity e) const { return enabled[static_cast<int>(e)]; }

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
  static const RE2 kNotPhone(
      R"(\d{3}-\d{2}-\d{4}|\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}.*|\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|.*(?:  |\.\.|--|\(\(|\)\)).*)");
  if (RE2::FullMatch(main, kNotPhone)) return {};
  if (main[0] != '+' && groups == 1 && digits > 12) return {};
  return main;
}

// libphonenumber's verdict on a number that passed PhoneShape().
float PhoneScore(std::string_view main, int groups) {
  bool international = main[0] == '+';
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string number(main);
  PhoneNumber parsed;
  if (international) {
    if (util.Parse(number, "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return 0;
    if (util.IsValidNumber(parsed)) return 0.8f;
    return util.IsPossibleNumber(parsed) ? 0.6f : 0;
  }
  // National format: the region is unknown, so ask the regions where most
  // numbers come from and keep the best answer.
  static constexpr const char* kRegions[] = {"US", "GB", "DE", "FR", "IN", "AU", "BR", "IT", "ES",
                                             "NL", "CH", "BE", "AT", "SE", "HU", "FI"};
  bool possible = false;
  for (const char* region : kRegions) {
    if (util.Parse(number, region, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) continue;
    if (util.IsValidNumber(parsed)) return groups > 1 ? 0.6f : 0.45f;
    if (!possible) possible = util.IsPossibleNumber(parsed);
  }
  if (!possible) return 0;
  return groups > 1 ? 0.5f : 0.35f;
}

}  // namespace

void Scanner::Impl::Classify(Kind kind, std::string_view text, size_t b, size_t e,
                             const FieldNames* fields, std::string_view field_override,
                             std::vector<Hit>& out) const {
  std::string_view m = text.substr(b, e - b);
  char before = b > 0 ? text[b - 1] : ' ';
  char after = e < text.size() ? text[e] : ' ';
  char after2 = e + 1 < text.size() ? text[e + 1] : ' ';
  auto context = [&](Entity entity) {
    std::string_view field = field_override;
    if (field.empty() && fields != nullptr) field = fields->FieldAt(b);
    return internal::FindContext(entity, text, b, e, field);
  };
  // Digit runs must not continue into neighbouring digits or words.
  bool number_bounded = !IsAlnum(before) && !IsAlnum(after) &&
                        !((before == '.' || before == '-') && b >= 2 && IsDigit(text[b - 2])) &&
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
      ContextHit c = context(Entity::kPhoneNumber);
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
      if (IsAlnum(before) || (IsAlnum(after) && after != 'T')) return;
      // A date followed by a time of day is a timestamp, not a birth date.
      if ((after == 'T' || after == ' ') && e + 3 < text.size() && IsDigit(text[e + 1]) &&
          IsDigit(text[e + 2]) && text[e + 3] == ':') {
        return;
      }
      if (IsAlnum(after) || !internal::DateValid(m)) return;
      ContextHit c = context(Entity::kDateOfBirth);
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
      ContextHit c = context(Entity::kAdvertisingId);
      if (!c.positive) return;  // a UUID is only an advertising id in that context
      out.push_back({b, e, Entity::kAdvertisingId, c.field ? 0.95f : 0.9f});
      return;
    }
  }
}

std::vector<Finding> Scanner::Impl::Run(std::string_view text, const FieldNames* fields,
                                        std::string_view field_override) const {
  std::vector<Finding> findings;
  if (text.empty() || db == nullptr) return findings;
  Candidates cands;
  cands.text_size = text.size();
  hs_scratch_t* scratch = Borrow();
  if (scratch == nullptr) return findings;  // out of memory: nothing we can report
  // Vectorscan takes an unsigned int length: scan in slices that overlap by the
  // longest window so that no match is lost at a slice edge.
  constexpr size_t kSlice = size_t{1} << 30;
  constexpr size_t kOverlap = 512;
  for (size_t pos = 0; pos < text.size();) {
    size_t len = std::min(kSlice, text.size() - pos);
    Candidates part;
    part.text_size = len;
    hs_scan(db, text.data() + pos, static_cast<unsigned int>(len), 0, scratch, OnCandidate, &part);
    for (int r = 0; r < kRuleCount; ++r) {
      for (Window w : part.windows[r]) cands.windows[r].push_back({w.begin + pos, w.end + pos});
    }
    if (pos + len >= text.size()) break;
    pos += len - kOverlap;
  }
  Return(scratch);

  std::vector<Hit> hits;
  for (int r = 0; r < kRuleCount; ++r) {
    const RE2* re = exact[r].get();
    if (re == nullptr) continue;
    size_t last_end = 0;
    for (Window w : cands.windows[r]) {
      size_t pos = std::max(w.begin, last_end);
      re2::StringPiece match;
      while (pos < w.end &&
             re->Match(re2::StringPiece(text.data(), text.size()), pos, w.end, RE2::UNANCHORED,
                       &match, 1)) {
        size_t b = static_cast<size_t>(match.data() - text.data());
        size_t e = b + match.size();
        Classify(kRules[r].kind, text, b, e, fields, field_override, hits);
        pos = e > b ? e : b + 1;
        last_end = pos;
      }
    }
  }

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

  std::vector<const char*> patterns;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  RE2::Options re_options;
  re_options.set_encoding(RE2::Options::EncodingLatin1);  // bytes, not UTF-8
  re_options.set_log_errors(false);
  for (int r = 0; r < kRuleCount; ++r) {
    const Rule& rule = kRules[r];
    if (!impl->Enabled(rule.entities[0]) && !impl->Enabled(rule.entities[1])) continue;
    impl->exact[r] = std::make_unique<RE2>(rule.exact, re_options);
    if (!impl->exact[r]->ok()) return InternalError("bad RE2 pattern for rule " + std::to_string(r));
    patterns.push_back(rule.candidate);
    flags.push_back(0);
    ids.push_back(static_cast<unsigned int>(r));
  }
  if (patterns.empty()) return InvalidArgumentError("no entity enabled");
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(patterns.size()), HS_MODE_BLOCK, nullptr,
                       &impl->db, &error) != HS_SUCCESS) {
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
  for (const Rule& r : kRules) out.emplace_back(r.candidate);
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
