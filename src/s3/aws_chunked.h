#pragma once
// The aws-chunked content encoding of S3 uploads, decoded as the body arrives (memory independent
// of the body's size): `hex-size[;chunk-signature=SIG]\r\nDATA\r\n` chunks ending with a
// zero-size chunk, then trailer lines (`name:value\r\n`) and an empty line. Signed forms
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) have each chunk's signature checked against the
// previous one, starting from the request's own (the seed), and the trailer's signature checked
// too; STREAMING-UNSIGNED-PAYLOAD-TRAILER carries no signatures.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/result.h"

namespace stratus::s3 {

// The forms of aws-chunked bodies, as x-amz-content-sha256 names them.
enum class ChunkedForm {
  kSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// The form `content_sha256` (an x-amz-content-sha256 value) names, or nullopt when it names none.
std::optional<ChunkedForm> chunked_form(std::string_view content_sha256);

// What the signed forms' signatures are checked with: the request's SigV4 signing key, its
// X-Amz-Date, its credential scope ("20130524/us-east-1/s3/aws4_request") and its own signature.
struct ChunkSigning {
  std::string signing_key;  // raw
  std::string amz_date;
  std::string scope;
  std::string seed_signature;  // lower-case hex
};

class AwsChunkedDecoder {
 public:
  // Passes decoded bytes to `sink` as they arrive; an error from feed() or finish() means the
  // body is not to be kept (a chunk's signature is known only at its end). `signing` is required
  // for the signed forms. Chunks larger than `max_chunk` are refused.
  AwsChunkedDecoder(ChunkedForm form, std::optional<ChunkSigning> signing, std::function<void(std::string_view)> sink,
                    size_t max_chunk = 16 * 1024 * 1024);

  // Decodes the next `bytes` of the body. Errors (the decoder is then done): SignatureDoesNotMatch
  // (a chunk or the trailer), InvalidRequest (malformed framing, an oversized chunk, bytes after
  // the end).
  Result<bool> feed(std::string_view bytes);
  // The body ended: IncompleteBody unless the last chunk and the trailer section arrived.
  Result<bool> finish() const;

  // The trailer fields received, by lower-cased name (the trailer signature left out).
  const std::map<std::string, std::string>& trailers() const { return trailers_; }
  // The number of decoded bytes so far.
  uint64_t decoded_size() const { return decoded_; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone, kFailed };
  Result<bool> fail(const char* code, const std::string& message);
  Result<bool> take_size_line(const std::string& line);
  Result<bool> end_chunk();
  Result<bool> take_trailer_line(const std::string& line);

  ChunkedForm form_;
  std::optional<ChunkSigning> signing_;
  std::function<void(std::string_view)> sink_;
  size_t max_chunk_;
  State state_ = State::kSize;
  std::string line_;           // the line being read (size, data end, trailer)
  DigestStream chunk_hash_;    // of the current chunk's data
  uint64_t remaining_ = 0;     // bytes of the current chunk still to come
  bool last_chunk_ = false;    // the current chunk is the zero-size one
  std::string chunk_signature_;
  std::string previous_signature_;
  DigestStream trailer_hash_;  // of the canonical trailer (name:value\n lines)
  std::string trailer_signature_;
  std::map<std::string, std::string> trailers_;
  uint64_t decoded_ = 0;
};

}  // namespace stratus::s3
