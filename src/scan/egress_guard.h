// The egress guard: the gateway scans an outgoing body before it leaves and
// either reports or blocks it. Bodies are scanned with JSON key / CSV header
// context when the content type says so.
//
// Thread-safety: an EgressGuard is immutable; Check() may run on many threads.
#ifndef DOMICILE_SCAN_EGRESS_GUARD_H_
#define DOMICILE_SCAN_EGRESS_GUARD_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scan/entity.h"

namespace domicile::scan {

class Scanner;

struct EgressPolicy {
  enum class Mode { kReport, kBlock };
  Mode mode = Mode::kBlock;
  // Entities that trigger the mode; empty means all.
  std::vector<Entity> entities;
  float min_score = 0.5f;
  // Bodies larger than this are not scanned; in kBlock mode they are blocked
  // (fail closed), in kReport mode reported as unscanned.
  size_t max_body_bytes = 16u << 20;
};

struct EgressVerdict {
  bool blocked = false;
  bool scanned = true;                 // false when the body was over the limit
  std::vector<Finding> findings;       // offsets into the body
  std::vector<std::string> masked;     // masked value of each finding, never the value
};

class EgressGuard {
 public:
  static Result<std::unique_ptr<EgressGuard>> Create(EgressPolicy policy);
  ~EgressGuard();

  // `content_type` such as "application/json", "application/x-ndjson", "text/csv".
  EgressVerdict Check(std::string_view body, std::string_view content_type) const;

 private:
  EgressGuard(EgressPolicy policy, std::unique_ptr<Scanner> scanner);
  EgressPolicy policy_;
  std::unique_ptr<Scanner> scanner_;
};

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_EGRESS_GUARD_H_
