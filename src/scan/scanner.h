// The discovery scanner: finds personal data in a byte buffer. One Vectorscan
// database proposes candidate regions (no start-of-match tracking), anchored
// exact matches inside them give the spans, validators (Luhn, mod-97, ranges,
// libphonenumber, ...) reject look-alikes, and nearby words plus the structured
// field name (JSON key, CSV header, SQL column) set the score. See docs/scan.md.
#ifndef DOMICILE_SCAN_SCANNER_H_
#define DOMICILE_SCAN_SCANNER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scan/entity.h"

namespace domicile::scan {

struct ScanOptions {
  // Entities to report; empty means all.
  std::vector<Entity> entities;
  // Findings scoring below this are dropped.
  float min_score = 0.5f;
};

// Names the structured field (JSON key, CSV column header, SQL column) holding a
// byte of the scanned buffer, or "" when there is none. Used for context only.
class FieldNames {
 public:
  virtual ~FieldNames() = default;
  virtual std::string_view FieldAt(size_t offset) const = 0;
  // False only if no field name of the buffer can hold a context word of
  // `entity` (positive or negative), so the scanner may skip FieldAt() for it.
  // The default (true) is always correct, just slower.
  virtual bool MayName(Entity /*entity*/) const { return true; }
  // True if every field name appears in the buffer itself, earlier on the line
  // of the value it names (JSON keys), rather than away from it (a CSV header,
  // a SQL column). Decides whether birth dates and advertising ids are looked
  // for near keywords only (true) or everywhere a field name may support them.
  virtual bool NamesInText() const { return false; }
};

// Thread-safety: a Scanner is immutable after Create(); Scan() may be called from
// any number of threads at once (each call borrows its own Vectorscan scratch).
class Scanner {
 public:
  static Result<std::unique_ptr<Scanner>> Create(const ScanOptions& options = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Findings in `text` (any bytes: binary and invalid UTF-8 are fine), sorted by
  // offset, never overlapping. `fields` may be null.
  std::vector<Finding> Scan(std::string_view text, const FieldNames* fields = nullptr) const;

  // Scans one value whose field (e.g. SQL column) is `field_name`.
  std::vector<Finding> ScanField(std::string_view text, std::string_view field_name) const;

  const ScanOptions& options() const;

 private:
  struct Impl;
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The value with everything but a few characters replaced by '*', so that
// reports show what kind of thing was found without disclosing it. Never
// reveals more than 4 characters, and fewer for short values.
std::string MaskValue(std::string_view value, Entity entity);

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_SCANNER_H_
