// The Vectorscan candidate patterns, one per rule, for tools that compare the
// candidate stage with another regex engine (bench/scan_bench.cc).
#ifndef DOMICILE_SCAN_INTERNAL_CANDIDATES_H_
#define DOMICILE_SCAN_INTERNAL_CANDIDATES_H_

#include <string>
#include <vector>

namespace domicile::scan::internal {

std::vector<std::string> CandidatePatterns();

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_CANDIDATES_H_
