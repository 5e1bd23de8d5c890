// Witnessing in the gateway (c2sp.org/tlog-witness): a background thread submits
// every new checkpoint of the audit log to each configured witness, with the
// consistency proof from the size that witness last cosigned, retrying failures;
// appends never wait for it. /log/checkpoint then serves the checkpoint with the
// cosignatures collected for it (the plain checkpoint until the first arrives).
#ifndef DOMICILE_SERVER_SITE_WITNESSING_H_
#define DOMICILE_SERVER_SITE_WITNESSING_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/file.h"
#include "common/status.h"
#include "server/router.h"
#include "tlog/witness.h"

namespace domicile::server {

class CheckpointWitnessing {
 public:
  // `fs` must outlive this. Polls `log_dir`/checkpoint every `poll_ms`.
  static std::unique_ptr<CheckpointWitnessing> Start(FileSystem* fs, std::string log_dir,
                                                     std::vector<std::unique_ptr<tlog::WitnessClient>> witnesses,
                                                     int64_t poll_ms);
  ~CheckpointWitnessing();  // Stop()
  void Stop();

  // The current checkpoint file with every cosignature obtained for exactly that
  // checkpoint appended (none yet: the file as it is).
  Result<std::string> Checkpoint() const;

  // GET /log/checkpoint serving Checkpoint(); add before AddLogPublicationRoutes.
  void AddRoute(Router& router);

 private:
  CheckpointWitnessing(FileSystem* fs, std::string log_dir, std::vector<std::unique_ptr<tlog::WitnessClient>> w,
                       int64_t poll_ms);
  void Run();

  FileSystem* const fs_;
  const std::string log_dir_;
  const std::vector<std::unique_ptr<tlog::WitnessClient>> witnesses_;
  const int64_t poll_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                             // guarded by mu_
  std::string checkpoint_;                        // guarded by mu_: the last checkpoint submitted
  std::map<std::string, std::string> cosigned_;   // guarded by mu_: witness name -> line for checkpoint_
  std::thread thread_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_SITE_WITNESSING_H_
