// The writes of the crash test, shared by the writer (crash_writer.cc) and the
// checker (crash_test.cc) so both agree on what an acknowledged write means.
#ifndef DOMICILE_TESTS_STORE_CRASH_WORKLOAD_H_
#define DOMICILE_TESTS_STORE_CRASH_WORKLOAD_H_

#include <string>

#include "store/store.h"

namespace domicile::store::testing {

inline constexpr int kCrashThreads = 4;
inline constexpr int kCrashMaxPerThread = 20000;  // the writer is killed long before
inline constexpr char kCrashIndex[] = "crash.token";

inline std::string CrashSubjectId(int thread, int i) { return "w" + std::to_string(thread) + "-" + std::to_string(i); }
inline std::string CrashCounterId(int thread) { return "counter-" + std::to_string(thread); }
inline std::string CrashSealed(const std::string& id) { return "sealed-" + id + std::string(200, '.'); }

inline Mutation CrashCreate(const std::string& id) {
  Mutation m;
  m.subject = id;
  m.upsert = SubjectRecord{id, "US", "dek-" + id, 1};
  m.put_fields = {FieldRecord{"profile", "email", 1, CrashSealed(id)}};
  m.put_index = {IndexEntry{kCrashIndex, "tok-" + id, id}};
  return m;
}

inline Mutation CrashCounterCreate(int thread) {
  Mutation m;
  m.subject = CrashCounterId(thread);
  m.upsert = SubjectRecord{m.subject, "US", "dek", 1};
  m.put_fields = {FieldRecord{"counter", "value", 0, "0"}};
  return m;
}

inline Mutation CrashCounterUpdate(int thread, uint64_t version) {
  Mutation m;
  m.subject = CrashCounterId(thread);
  m.put_fields = {FieldRecord{"counter", "value", version, std::to_string(version)}};
  return m;
}

}  // namespace domicile::store::testing

#endif  // DOMICILE_TESTS_STORE_CRASH_WORKLOAD_H_
