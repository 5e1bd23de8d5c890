#include "scan/internal/context.h"

#include <cctype>
#include <initializer_list>
#include <vector>

namespace domicile::scan::internal {
namespace {

constexpr size_t kBefore = 32;
constexpr size_t kAfter = 24;

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
};

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
    for (int i = 0; i < kEntityCount; ++i) t->push_back(MakeKeywords(static_cast<Entity>(i)));
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

// A small fixed buffer: context windows are bounded, so no allocation.
struct WordBuffer {
  char data[2 * (kBefore + kAfter) + 8];
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
                       std::string_view field) {
  const Keywords& k = KeywordsFor(entity);
  ContextHit hit;
  if (!field.empty()) {
    std::string f = NormalizeWords(field);
    if (HasKeyword(f, k.positive)) {
      hit.positive = hit.field = true;
    }
    if (!k.negative.empty() && HasKeyword(f, k.negative)) hit.negative = true;
  }
  size_t from = begin > kBefore ? begin - kBefore : 0;
  size_t to = std::min(text.size(), end + kAfter);
  WordBuffer near;
  near.push_back(' ');
  AppendWords(text.substr(from, begin - from), near);
  AppendWords(text.substr(end, to - end), near);
  if (!hit.positive && HasKeyword(near.view(), k.positive)) hit.positive = true;
  if (!k.negative.empty() && !hit.field) {
    // Negative words count only right before the match ("version 1.2.3.4"), and
    // not against a field name that supports the entity.
    size_t neg_from = begin > 12 ? begin - 12 : 0;
    WordBuffer just_before;
    just_before.push_back(' ');
    AppendWords(text.substr(neg_from, begin - neg_from), just_before);
    if (HasKeyword(just_before.view(), k.negative)) hit.negative = true;
  }
  return hit;
}

}  // namespace domicile::scan::internal
