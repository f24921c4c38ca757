#include "block/block_copy.h"

namespace stratus::block {
namespace {

// Reports `done` of `total` to `progress` when the whole percentage moved.
void report(const Progress& progress, size_t done, size_t total, int& last) {
  int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
  if (percent != last && progress) progress(percent);
  last = percent;
}

}  // namespace

Result<Manifest> copy_blocks(BlockSource& source, BlockStore& store, const Manifest* since, const Progress& progress) {
  Manifest manifest;
  manifest.size_bytes = source.size_bytes();
  auto hints = source.hints();
  if (!hints.ok()) return hints.error();
  const std::vector<BlockHint>& hint = hints.value();
  int last = -1;
  for (size_t i = 0; i < hint.size(); ++i) {
    int64_t index = static_cast<int64_t>(i);
    if (hint[i] == BlockHint::kZero) continue;
    if (hint[i] == BlockHint::kUnchanged && since != nullptr) {
      auto kept = since->blocks.find(index);
      if (kept != since->blocks.end()) manifest.blocks.emplace(index, kept->second);
      continue;
    }
    auto data = source.read(index);
    if (!data.ok()) return data.error();
    auto hash = store.put(data.value());
    if (!hash.ok()) return hash.error();
    if (!hash.value().empty()) manifest.blocks.emplace(index, hash.value());
    report(progress, i, hint.size(), last);
  }
  report(progress, hint.size(), hint.size(), last);
  return manifest;
}

Result<bool> restore_blocks(const Manifest& manifest, const BlockStore& store, BlockSink& sink, const Progress& progress) {
  size_t done = 0;
  int last = -1;
  for (const auto& [index, hash] : manifest.blocks) {
    auto data = store.get(hash);
    if (!data.ok()) return data.error();
    if (data.value().size() < kBlockSize) data.value().resize(kBlockSize, '\0');
    auto written = sink.write(index, data.value());
    if (!written.ok()) return written.error();
    report(progress, ++done, manifest.blocks.size(), last);
  }
  report(progress, done, manifest.blocks.size(), last);
  return true;
}

}  // namespace stratus::block
