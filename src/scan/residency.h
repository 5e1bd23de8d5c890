// The residency report: given the sites (where bytes live, with their role) and a
// mapping of scanned paths or tables to sites, it lists the personal data found
// where it may not live, with counts per site and entity. An `enclave` site may
// hold personal data; `backup` (ciphertext only) and `global` (interoperable
// projections only) may hold none, except entities a site explicitly allows.
// A path mapped to no site is reported under "(unmapped)": fail closed.
#ifndef DOMICILE_SCAN_RESIDENCY_H_
#define DOMICILE_SCAN_RESIDENCY_H_

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scan/entity.h"
#include "scan/source.h"

namespace domicile::scan {

struct Site {
  std::string id;
  std::string jurisdiction;  // ISO 3166-1 alpha-2 or a named group
  std::string role;          // enclave | backup | global
  std::array<bool, kEntityCount> allowed{};  // entities this site may hold anyway
};

// INVARIANT: every location names a site in `sites`; longest prefix wins.
struct ResidencyConfig {
  std::vector<Site> sites;
  std::vector<std::pair<std::string, std::string>> locations;  // path prefix -> site id
};

// Parses the JSON document described in docs/scan.md ("Residency report").
Result<ResidencyConfig> ParseResidencyConfig(std::string_view json);

class ResidencyReport {
 public:
  explicit ResidencyReport(ResidencyConfig config);

  void Add(const std::string& path, const std::vector<LocatedFinding>& findings);

  // Findings that break residency.
  uint64_t violations() const { return violations_; }
  // {"violations":N,"sites":[{"site":…,"jurisdiction":…,"role":…,"counts":{…},"paths":{path:n}}]}
  std::string ToJson() const;

 private:
  struct SiteCounts {
    std::array<uint64_t, kEntityCount> counts{};
    std::map<std::string, uint64_t> paths;
  };
  const Site* SiteFor(std::string_view path) const;

  ResidencyConfig config_;
  std::map<std::string, SiteCounts> by_site_;
  uint64_t violations_ = 0;
};

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_RESIDENCY_H_
