#pragma once
// Files replaced all at once: a reader (or a crash, or a full disk) sees the old content or the
// new, never a truncated mix.

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace stratus {

// Writes `text` to `path` with permissions `mode`: into PATH.tmp, fsync'd, renamed over `path`,
// then the directory fsync'd. Throws std::runtime_error (naming the file and the reason) when
// any step fails; `path` is then untouched and PATH.tmp removed.
void write_file_atomically(const std::filesystem::path& path, const std::string& text, mode_t mode);

}  // namespace stratus
