// Checks that turn a pattern match into a finding: checksums, number ranges and
// formats. Pure functions on ASCII text; internal to the scanner (tested directly).
#ifndef DOMICILE_SCAN_INTERNAL_VALIDATORS_H_
#define DOMICILE_SCAN_INTERNAL_VALIDATORS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace domicile::scan::internal {

// Digits of `s`, ignoring everything else.
std::string DigitsOf(std::string_view s);

// Luhn (mod 10) checksum over a string of digits.
bool LuhnValid(std::string_view digits);

// A payment card number: 12 to 19 digits, Luhn-valid, with a known issuer
// prefix. Separators (if any) must be all spaces or all dashes.
bool CreditCardValid(std::string_view text);

// A 15-digit IMEI (optionally grouped 2-6-6-1 or 8-6-1), Luhn-valid.
bool ImeiValid(std::string_view text);

// A US social security number AAA-GG-SSSS (dashes, spaces or none, used
// consistently): area 001-899 except 666, group 01-99, serial 0001-9999, and not
// a well-known advertising/test number.
bool UsSsnValid(std::string_view text);

// Dotted-quad IPv4: four decimal octets 0-255, no leading zeros.
bool Ipv4Valid(std::string_view text);
// IPv6 in any RFC 4291 text form (with optional embedded IPv4).
bool Ipv6Valid(std::string_view text);

// The expected length of an IBAN for a two-letter country code, or 0 if the
// country does not issue IBANs.
int IbanLength(std::string_view country);
// An IBAN (spaces allowed between characters, any case): known country, the
// country's length, and ISO 7064 mod-97 == 1.
bool IbanValid(std::string_view text);

// Six hex octets with one consistent ':' or '-' separator, or Cisco dotted
// xxxx.xxxx.xxxx; not all-zero or broadcast.
bool MacValid(std::string_view text);

// "lat, lon" with |lat| <= 90, |lon| <= 180 and at least 3 decimals each.
bool GeoPairValid(std::string_view text);

// A calendar date in one of the supported forms (ISO, D/M/Y, M/D/Y, month
// names) with a year between 1900 and 2100. Two-digit years are accepted.
bool DateValid(std::string_view text);

// A canonical 8-4-4-4-12 UUID that is not all zeros.
bool UuidValid(std::string_view text);

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_VALIDATORS_H_
