// Cedar extension types: ipaddr (IPv4/IPv6 with prefix), decimal (4 fraction
// digits, 64-bit), datetime (ms since the epoch, UTC offsets) and duration.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cedar/internal/extensions.h"

namespace domicile::cedar::internal {
namespace {

using Kind = ExtValue::Kind;

Status Bad(std::string_view what, std::string_view arg) {
  return InvalidArgumentError(std::string(what) + ": invalid argument \"" + std::string(arg) + "\"");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Unsigned decimal digits (1..max_digits, no sign) into v; false if malformed.
bool Digits(std::string_view s, std::uint64_t& v, std::size_t max_digits = 19) {
  if (s.empty() || s.size() > max_digits) return false;
  v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool ParseIpv4(std::string_view s, std::uint8_t* out) {
  for (int i = 0; i < 4; ++i) {
    std::size_t dot = i < 3 ? s.find('.') : s.size();
    if (dot == std::string_view::npos) return false;
    std::string_view part = s.substr(0, dot);
    std::uint64_t v;
    if (!Digits(part, v, 3) || v > 255 || (part.size() > 1 && part[0] == '0')) return false;
    out[i] = static_cast<std::uint8_t>(v);
    s = i < 3 ? s.substr(dot + 1) : std::string_view();
  }
  return true;
}

bool ParseIpv6(std::string_view s, std::uint8_t* out) {
  std::vector<std::uint16_t> head, tail;
  bool compressed = false;
  std::size_t gap = s.find("::");
  if (gap != std::string_view::npos) {
    compressed = true;
    if (s.find("::", gap + 1) != std::string_view::npos) return false;
  }
  auto groups = [&](std::string_view part, std::vector<std::uint16_t>& g) {
    if (part.empty()) return true;
    while (true) {
      std::size_t colon = part.find(':');
      std::string_view h = part.substr(0, colon);
      if (h.empty() || h.size() > 4) return false;
      std::uint16_t x = 0;
      for (char c : h) {
        int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return false;
        x = static_cast<std::uint16_t>(x * 16 + d);
      }
      g.push_back(x);
      if (colon == std::string_view::npos) return true;
      part = part.substr(colon + 1);
    }
  };
  if (compressed) {
    if (!groups(s.substr(0, gap), head) || !groups(s.substr(gap + 2), tail)) return false;
  } else if (!groups(s, head)) {
    return false;
  }
  std::size_t n = head.size() + tail.size();
  if (compressed ? n > 7 : n != 8) return false;
  std::vector<std::uint16_t> all = head;
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    out[2 * i] = static_cast<std::uint8_t>(all[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(all[i]);
  }
  return true;
}

Result<Value> MakeIp(std::string_view s) {
  ExtValue e;
  e.kind = Kind::kIpAddr;
  std::size_t slash = s.find('/');
  std::string_view addr = s.substr(0, slash);
  e.v6 = addr.find(':') != std::string_view::npos;
  // As Cedar: no IPv4 embedded in IPv6 ("::ffff:1.2.3.4").
  if (e.v6 && addr.find('.') != std::string_view::npos) return Bad("ip", s);
  if (!(e.v6 ? ParseIpv6(addr, e.bytes.data()) : ParseIpv4(addr, e.bytes.data()))) return Bad("ip", s);
  int max = e.v6 ? 128 : 32;
  e.prefix = max;
  if (slash != std::string_view::npos) {
    std::uint64_t p;
    std::string_view ps = s.substr(slash + 1);
    if (!Digits(ps, p, 3) || p > static_cast<std::uint64_t>(max) || (ps.size() > 1 && ps[0] == '0')) return Bad("ip", s);
    e.prefix = static_cast<int>(p);
  }
  return Value(e);
}

// Whether the first `prefix` bits of a and b agree.
bool SamePrefix(const ExtValue& a, const ExtValue& b, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    int byte = bit / 8, mask = 0x80 >> (bit % 8);
    if ((a.bytes[byte] & mask) != (b.bytes[byte] & mask)) return false;
  }
  return true;
}

Result<Value> MakeDecimal(std::string_view s) {
  std::string_view body = s;
  bool neg = !body.empty() && body[0] == '-';
  if (neg) body.remove_prefix(1);
  std::size_t dot = body.find('.');
  if (dot == std::string_view::npos) return Bad("decimal", s);
  std::uint64_t whole, frac;
  std::string_view fs = body.substr(dot + 1);
  if (!Digits(body.substr(0, dot), whole) || !Digits(fs, frac, 4)) return Bad("decimal", s);
  for (std::size_t i = fs.size(); i < 4; ++i) frac *= 10;
  // |value| * 10^4 must fit: up to 2^63 when negative, 2^63 - 1 otherwise.
  std::uint64_t limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
  std::uint64_t mag;
  if (__builtin_mul_overflow(whole, std::uint64_t{10000}, &mag) || __builtin_add_overflow(mag, frac, &mag) ||
      mag > limit) {
    return InvalidArgumentError("decimal: overflow \"" + std::string(s) + "\"");
  }
  ExtValue e;
  e.kind = Kind::kDecimal;
  e.number = static_cast<std::int64_t>(neg ? 0 - mag : mag);
  return Value(e);
}

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool Fixed(std::string_view s, std::size_t at, std::size_t n, std::uint64_t& v) {
  return at + n <= s.size() && Digits(s.substr(at, n), v, n);
}

Result<Value> MakeDatetime(std::string_view s) {
  std::uint64_t y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!Fixed(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Fixed(s, 5, 2, mo) || s[7] != '-' ||
      !Fixed(s, 8, 2, d)) {
    return Bad("datetime", s);
  }
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > static_cast<std::uint64_t>(kDays[mo - 1]) || (mo == 2 && d == 29 && !leap)) {
    return Bad("datetime", s);
  }
  std::int64_t offset_ms = 0;
  if (s.size() > 10) {
    if (s.size() < 20 || s[10] != 'T' || !Fixed(s, 11, 2, h) || s[13] != ':' || !Fixed(s, 14, 2, mi) ||
        s[16] != ':' || !Fixed(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 59) {
      return Bad("datetime", s);
    }
    std::size_t i = 19;
    if (s[i] == '.') {
      if (!Fixed(s, i + 1, 3, ms)) return Bad("datetime", s);
      i += 4;
    }
    std::string_view zone = s.substr(i);
    if (zone == "Z") {
    } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
      std::uint64_t oh, om;
      if (!Fixed(zone, 1, 2, oh) || !Fixed(zone, 3, 2, om) || oh > 23 || om > 59) return Bad("datetime", s);
      offset_ms = static_cast<std::int64_t>((oh * 60 + om) * 60000) * (zone[0] == '+' ? 1 : -1);
    } else {
      return Bad("datetime", s);
    }
  }
  ExtValue e;
  e.kind = Kind::kDatetime;
  e.number = DaysFromCivil(static_cast<std::int64_t>(y), static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000 +
             static_cast<std::int64_t>(((h * 60 + mi) * 60 + sec) * 1000 + ms) - offset_ms;
  return Value(e);
}

Result<Value> MakeDuration(std::string_view s) {
  std::string_view rest = s;
  bool neg = !rest.empty() && rest[0] == '-';
  if (neg) rest.remove_prefix(1);
  static const std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  std::int64_t total = 0;
  std::size_t next_unit = 0;
  bool any = false;
  while (!rest.empty()) {
    std::size_t n = 0;
    while (n < rest.size() && IsDigit(rest[n])) ++n;
    std::uint64_t v;
    if (!Digits(rest.substr(0, n), v)) return Bad("duration", s);
    rest.remove_prefix(n);
    std::size_t u = next_unit;
    while (u < 5) {
      std::string_view unit = kUnits[u].first;
      bool ms_not_m = unit == "m" && rest.starts_with("ms");
      if (rest.starts_with(unit) && !ms_not_m) break;
      ++u;
    }
    if (u == 5) return Bad("duration", s);
    rest.remove_prefix(kUnits[u].first.size());
    next_unit = u + 1;
    std::int64_t part;
    if (v > static_cast<std::uint64_t>(INT64_MAX) ||
        __builtin_mul_overflow(static_cast<std::int64_t>(v), kUnits[u].second, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return InvalidArgumentError("duration: overflow \"" + std::string(s) + "\"");
    }
    any = true;
  }
  if (!any) return Bad("duration", s);
  ExtValue e;
  e.kind = Kind::kDuration;
  e.number = neg ? -total : total;
  return Value(e);
}

Status ExpectExt(const Value& v, Kind k, std::string_view fn) {
  if (v.kind() != Value::Kind::kExt || v.AsExt().kind != k) {
    return InvalidArgumentError("type error: " + std::string(fn) + " applied to " + KindName(v.kind()) + " value");
  }
  return Status::Ok();
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<Value> CallExtension(std::string_view name, std::span<const Value* const> args) {
  auto arity = [&](std::size_t n) -> Status {
    if (args.size() != n) return InvalidArgumentError(std::string(name) + ": wrong number of arguments");
    return Status::Ok();
  };
  if (name == "ip" || name == "decimal" || name == "datetime" || name == "duration") {
    RETURN_IF_ERROR(arity(1));
    if (args[0]->kind() != Value::Kind::kString) return InvalidArgumentError("type error: " + std::string(name) + " expects a string");
    const std::string& s = args[0]->AsString();
    if (name == "ip") return MakeIp(s);
    if (name == "decimal") return MakeDecimal(s);
    if (name == "datetime") return MakeDatetime(s);
    return MakeDuration(s);
  }
  if (name == "lessThan" || name == "lessThanOrEqual" || name == "greaterThan" || name == "greaterThanOrEqual") {
    RETURN_IF_ERROR(arity(2));
    RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kDecimal, name));
    RETURN_IF_ERROR(ExpectExt(*args[1], Kind::kDecimal, name));
    std::int64_t a = args[0]->AsExt().number, b = args[1]->AsExt().number;
    if (name == "lessThan") return Value(a < b);
    if (name == "lessThanOrEqual") return Value(a <= b);
    if (name == "greaterThan") return Value(a > b);
    return Value(a >= b);
  }
  if (name == "isIpv4" || name == "isIpv6" || name == "isLoopback" || name == "isMulticast") {
    RETURN_IF_ERROR(arity(1));
    RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kIpAddr, name));
    const ExtValue& ip = args[0]->AsExt();
    if (name == "isIpv4") return Value(!ip.v6);
    if (name == "isIpv6") return Value(ip.v6);
    ExtValue range;
    range.v6 = ip.v6;
    int prefix;
    if (name == "isLoopback") {
      if (ip.v6) range.bytes[15] = 1;
      else range.bytes[0] = 127;
      prefix = ip.v6 ? 128 : 8;
    } else {
      range.bytes[0] = ip.v6 ? 0xff : 0xe0;
      prefix = ip.v6 ? 8 : 4;
    }
    return Value(ip.prefix >= prefix && SamePrefix(ip, range, prefix));
  }
  if (name == "isInRange") {
    RETURN_IF_ERROR(arity(2));
    RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kIpAddr, name));
    RETURN_IF_ERROR(ExpectExt(*args[1], Kind::kIpAddr, name));
    const ExtValue& a = args[0]->AsExt();
    const ExtValue& b = args[1]->AsExt();
    return Value(a.v6 == b.v6 && a.prefix >= b.prefix && SamePrefix(a, b, b.prefix));
  }
  constexpr std::int64_t kDay = 86400000;
  if (name == "toDate" || name == "toTime") {
    RETURN_IF_ERROR(arity(1));
    RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kDatetime, name));
    ExtValue e = args[0]->AsExt();
    std::int64_t day = FloorDiv(e.number, kDay);
    if (name == "toDate") {
      std::int64_t out;
      if (__builtin_mul_overflow(day, kDay, &out)) return InvalidArgumentError("toDate: overflow");
      e.number = out;
    } else {
      e.kind = Kind::kDuration;
      e.number = e.number - day * kDay;
    }
    return Value(e);
  }
  static const std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"toDays", kDay}, {"toHours", 3600000}, {"toMinutes", 60000}, {"toSeconds", 1000}, {"toMilliseconds", 1}};
  for (const auto& [unit, ms] : kUnits) {
    if (name == unit) {
      RETURN_IF_ERROR(arity(1));
      RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kDuration, name));
      return Value(args[0]->AsExt().number / ms);
    }
  }
  if (name == "offset" || name == "durationSince") {
    RETURN_IF_ERROR(arity(2));
    RETURN_IF_ERROR(ExpectExt(*args[0], Kind::kDatetime, name));
    RETURN_IF_ERROR(ExpectExt(*args[1], name == "offset" ? Kind::kDuration : Kind::kDatetime, name));
    ExtValue e = args[0]->AsExt();
    bool overflow = name == "offset" ? __builtin_add_overflow(e.number, args[1]->AsExt().number, &e.number)
                                     : __builtin_sub_overflow(e.number, args[1]->AsExt().number, &e.number);
    if (overflow) return InvalidArgumentError(std::string(name) + ": overflow");
    if (name == "durationSince") e.kind = Kind::kDuration;
    return Value(e);
  }
  return InvalidArgumentError("unknown extension function " + std::string(name));
}

}  // namespace domicile::cedar::internal
