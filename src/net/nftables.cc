#include "net/nftables.h"

#include <nftables/libnftables.h>

#include <memory>

#include "net/netns.h"

namespace stratus::net {
namespace {

struct ContextDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

// Runs `command` (JSON when `json_input`, else nft's language) in the current namespace;
// returns its output, or nftables' error text.
Result<std::string> run_here(const std::string& command, bool json_input) {
  std::unique_ptr<nft_ctx, ContextDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return ApiError{"InternalError", "libnftables: cannot create a context"};
  // With JSON output set, libnftables also parses its input as JSON.
  if (json_input) nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON);
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), command.c_str()) != 0) {
    return ApiError{"InternalError", std::string("nftables: ") + nft_ctx_get_error_buffer(ctx.get())};
  }
  return std::string(nft_ctx_get_output_buffer(ctx.get()));
}

Result<std::string> run_in(const std::string& netns, const std::string& command, bool json_input) {
  Result<std::string> result = ApiError{"InternalError", "nftables did not run"};
  auto entered = run_in_netns(netns, [&] { result = run_here(command, json_input); });
  if (!entered.ok()) return entered.error();
  return result;
}

}  // namespace

Result<bool> run_nftables(const std::string& netns, const nlohmann::json& commands) {
  auto done = run_in(netns, commands.dump(), /*json_input=*/true);
  if (!done.ok()) return done.error();
  return true;
}

Result<std::string> list_nftables_table(const std::string& netns, const std::string& family, const std::string& name) {
  return run_in(netns, "list table " + family + " " + name, /*json_input=*/false);
}

}  // namespace stratus::net
