#include "scan/internal/context.h"

#include <cctype>
#include <vector>

namespace domicile::scan::internal {
namespace {

constexpr size_t kBefore = 32;
constexpr size_t kAfter = 24;

// A keyword matches a whole word; a trailing '*' makes it a prefix ("birth*"
// matches "birthday"). Multi-word keywords match word sequences.
bool HasKeyword(const std::string& words, const std::vector<std::string_view>& keywords) {
  for (std::string_view k : keywords) {
    bool prefix = k.back() == '*';
    if (prefix) k.remove_suffix(1);
    std::string needle;
    needle.reserve(k.size() + 2);
    needle.push_back(' ');
    needle.append(k);
    if (!prefix) needle.push_back(' ');
    if (words.find(needle) != std::string::npos) return true;
  }
  return false;
}

struct Keywords {
  std::vector<std::string_view> positive;
  std::vector<std::string_view> negative;
};

Keywords MakeKeywords(Entity e) {
  switch (e) {
    case Entity::kEmailAddress:
      return {{"email*", "e mail*", "mail*", "contact*"}, {}};
    case Entity::kPhoneNumber:
      return {{"phone*", "tel", "tel*", "telephone*", "mobile*", "cell*", "fax*", "call*",
               "contact*", "office", "desk", "whatsapp", "sms", "msisdn", "dial*", "ring",
               "reach*", "answering", "messages"},
              {"zip*", "postal*", "postcode*", "plz", "suite", "apt", "box", "po"}};
    case Entity::kDateOfBirth:
      return {{"born", "birth*", "dob", "d o b", "bday", "b day", "birthdate*", "geboren",
               "geburtsdatum", "geb", "ne", "nee", "naissance", "nacimiento", "nascita",
               "fecha de nacimiento"},
              {"ship*", "deliver*", "order*", "created", "updated", "modified", "expir*",
               "issued", "due", "invoice*"}};
    case Entity::kCreditCard:
      return {{"card*", "credit*", "visa", "mastercard", "amex", "payment*", "cc", "pan",
               "debit", "cardholder"},
              {}};
    case Entity::kUsSsn:
      return {{"ssn*", "social security", "social sec", "ss", "ssa", "tax id", "taxpayer"}, {}};
    case Entity::kIpAddress:
      return {{"ip", "ips", "ipv4", "ipv6", "ip address", "addr", "address", "host*", "client*",
               "remote*", "src", "dst", "source", "peer", "from", "connect*", "server"},
              {"version*", "ver", "v", "release*", "build", "firmware", "os", "oid"}};
    case Entity::kIbanCode:
      return {{"iban", "account*", "bank*"}, {}};
    case Entity::kMacAddress:
      return {{"mac", "mac address", "ether*", "hw*", "hwaddr", "hardware", "wifi", "wlan",
               "bssid", "device*"},
              {}};
    case Entity::kGeoCoordinate:
      return {{"lat*", "lon*", "lng", "location*", "coord*", "gps", "geo*", "position*",
               "loc"},
              {}};
    case Entity::kImei:
      return {{"imei*", "handset", "meid"}, {}};
    case Entity::kAdvertisingId:
      return {{"idfa", "aaid", "gaid", "adid", "ad id", "ad_id", "advertising*", "advertiser*",
               "ifa", "maid", "ad tracking", "adjust", "appsflyer"},
              {}};
  }
  return {{}, {}};
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

std::string NormalizeWords(std::string_view s) {
  std::string out = " ";
  char prev = 0;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      if (std::isupper(u) && prev != 0 && std::islower(static_cast<unsigned char>(prev)) &&
          out.back() != ' ') {
        out.push_back(' ');
      }
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
    prev = c;
  }
  if (out.back() != ' ') out.push_back(' ');
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
  std::string near = NormalizeWords(text.substr(from, begin - from));
  near.append(NormalizeWords(text.substr(end, to - end)), 1);
  if (!hit.positive && HasKeyword(near, k.positive)) hit.positive = true;
  if (!k.negative.empty() && !hit.field) {
    // Negative words count only right before the match ("version 1.2.3.4"), and
    // not against a field name that supports the entity.
    size_t neg_from = begin > 12 ? begin - 12 : 0;
    std::string just_before = NormalizeWords(text.substr(neg_from, begin - neg_from));
    if (HasKeyword(just_before, k.negative)) hit.negative = true;
  }
  return hit;
}

}  // namespace domicile::scan::internal
