// Writing secrets (private keys, seeds, root keys) to files that only their owner
// can read. One place for the rule, so no key file is ever created world-readable.
#ifndef DOMICILE_COMMON_SECRET_FILE_H_
#define DOMICILE_COMMON_SECRET_FILE_H_

#include <string>
#include <string_view>

#include "common/file.h"
#include "common/status.h"

namespace domicile {

// AtomicWriteFile for secrets: the file is created readable by its owner only
// (umask 077 during the write). umask is process-wide, so call this only where no
// other thread creates files (start-up, CLI commands).
Status AtomicWriteSecretFile(FileSystem& fs, const std::string& path, std::string_view data);

}  // namespace domicile

#endif  // DOMICILE_COMMON_SECRET_FILE_H_
