#include "scan/egress_guard.h"

#include "scan/scanner.h"
#include "scan/source.h"

namespace domicile::scan {

Result<std::unique_ptr<EgressGuard>> EgressGuard::Create(EgressPolicy policy) {
  ScanOptions options;
  options.entities = policy.entities;
  options.min_score = policy.min_score;
  ASSIGN_OR_RETURN(std::unique_ptr<Scanner> scanner, Scanner::Create(options));
  return std::unique_ptr<EgressGuard>(new EgressGuard(std::move(policy), std::move(scanner)));
}

EgressGuard::EgressGuard(EgressPolicy policy, std::unique_ptr<Scanner> scanner)
    : policy_(std::move(policy)), scanner_(std::move(scanner)) {}
EgressGuard::~EgressGuard() = default;

EgressVerdict EgressGuard::Check(std::string_view body, std::string_view content_type) const {
  EgressVerdict v;
  if (body.size() > policy_.max_body_bytes) {
    v.scanned = false;
    v.blocked = policy_.mode == EgressPolicy::Mode::kBlock;
    return v;
  }
  std::string_view type = content_type.substr(0, content_type.find(';'));
  Format format = Format::kText;
  if (type.find("json") != std::string_view::npos) format = Format::kJsonLines;
  if (type == "text/csv") format = Format::kCsv;
  if (type == "text/tab-separated-values") format = Format::kTsv;
  for (LocatedFinding& f : ScanBuffer(*scanner_, body, format)) {
    v.findings.push_back(f.finding);
    v.masked.push_back(std::move(f.masked));
  }
  v.blocked = policy_.mode == EgressPolicy::Mode::kBlock && !v.findings.empty();
  return v;
}

}  // namespace domicile::scan
