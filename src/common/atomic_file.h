#pragma once
// Files replaced all at once: a reader (or a crash, or a full disk) sees the old content or the
// new, never a truncated mix.

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace stratus {

// Writes `text` to `path` with permissions `mode`: into a new PATH.tmp (whatever was there,
// a link included, is removed first, never written through), fsync'd, renamed over `path`, then
// the directory fsync'd. Throws std::runtime_error (naming the file and the reason) when a step
// fails. A failure before the rename leaves `path` untouched and no PATH.tmp; a failure to sync
// the directory after it leaves `path` replaced but perhaps not yet durable.
void write_file_atomically(const std::filesystem::path& path, const std::string& text, mode_t mode);

}  // namespace stratus
