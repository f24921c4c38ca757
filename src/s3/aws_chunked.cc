#include "s3/aws_chunked.h"

#include <charconv>
#include <stdexcept>

#include "common/ascii_case.h"

namespace stratus::s3 {
namespace {

// The longest size or trailer line accepted (a size line with its signature is under 100 bytes).
constexpr size_t kMaxLine = 4096;
constexpr std::string_view kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kSignatureField = "chunk-signature=";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

}  // namespace

std::optional<ChunkedForm> chunked_form(std::string_view content_sha256) {
  if (content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return ChunkedForm::kSigned;
  if (content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") return ChunkedForm::kSignedTrailer;
  if (content_sha256 == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") return ChunkedForm::kUnsignedTrailer;
  return std::nullopt;
}

AwsChunkedDecoder::AwsChunkedDecoder(ChunkedForm form, std::optional<ChunkSigning> signing,
                                     std::function<void(std::string_view)> sink, size_t max_chunk)
    : form_(form), signing_(std::move(signing)), sink_(std::move(sink)), max_chunk_(max_chunk) {
  if (form_ != ChunkedForm::kUnsignedTrailer && !signing_) {
    throw std::invalid_argument("a signed aws-chunked body needs its request's signing context");
  }
  if (signing_) previous_signature_ = signing_->seed_signature;
}

Result<bool> AwsChunkedDecoder::fail(const char* code, const std::string& message) {
  state_ = State::kFailed;
  return ApiError{code, message};
}

Result<bool> AwsChunkedDecoder::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::kFailed:
        return ApiError{"InvalidRequest", "The aws-chunked body was already refused."};
      case State::kDone:
        return fail("InvalidRequest", "The aws-chunked body goes on after its end.");
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
        std::string_view data = bytes.substr(0, n);
        chunk_hash_.update(data);
        sink_(data);
        decoded_ += n;
        remaining_ -= n;
        bytes.remove_prefix(n);
        if (remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kSize:
      case State::kDataEnd:
      case State::kTrailer: {
        size_t newline = bytes.find('\n');
        line_.append(bytes.substr(0, newline == std::string_view::npos ? bytes.size() : newline + 1));
        bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
        if (line_.size() > kMaxLine) return fail("InvalidRequest", "An aws-chunked line is too long.");
        if (newline == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
          return fail("InvalidRequest", "An aws-chunked line does not end with CRLF.");
        }
        std::string line = line_.substr(0, line_.size() - 2);
        line_.clear();
        Result<bool> taken = state_ == State::kSize      ? take_size_line(line)
                             : state_ == State::kDataEnd ? (line.empty() ? end_chunk()
                                                                         : fail("InvalidRequest",
                                                                                "A chunk is longer than its size says."))
                                                         : take_trailer_line(line);
        if (!taken.ok()) return taken;
        break;
      }
    }
  }
  return true;
}

Result<bool> AwsChunkedDecoder::take_size_line(const std::string& line) {
  std::string_view size_text = line;
  chunk_signature_.clear();
  if (size_t semicolon = line.find(';'); semicolon != std::string::npos) {
    size_text = std::string_view(line).substr(0, semicolon);
    std::string_view extension = std::string_view(line).substr(semicolon + 1);
    if (extension.substr(0, kSignatureField.size()) != kSignatureField) {
      return fail("InvalidRequest", "A chunk header has an unknown extension.");
    }
    chunk_signature_ = std::string(extension.substr(kSignatureField.size()));
  }
  bool signed_form = form_ != ChunkedForm::kUnsignedTrailer;
  if (signed_form != !chunk_signature_.empty()) {
    return fail("InvalidRequest", signed_form ? "A chunk has no chunk-signature." : "An unsigned chunk has a signature.");
  }
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
  if (ec != std::errc() || end != size_text.data() + size_text.size() || size_text.empty()) {
    return fail("InvalidRequest", "A chunk size is not hexadecimal.");
  }
  if (size > max_chunk_) return fail("InvalidRequest", "A chunk is larger than " + std::to_string(max_chunk_) + " bytes.");
  remaining_ = size;
  last_chunk_ = size == 0;
  // The zero-size chunk has no data and, in the signed form without trailer, no CRLF after it
  // but the body's final one: its signature is checked now.
  if (last_chunk_) return end_chunk();
  state_ = State::kData;
  return true;
}

Result<bool> AwsChunkedDecoder::end_chunk() {
  std::string data_hash = to_hex(chunk_hash_.finish());
  if (form_ != ChunkedForm::kUnsignedTrailer) {
    std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + signing_->amz_date + "\n" + signing_->scope + "\n" +
                          previous_signature_ + "\n" + std::string(kEmptyHash) + "\n" + data_hash;
    std::string expected = to_hex(hmac_sha256(signing_->signing_key, to_sign));
    if (!constant_time_equal(expected, chunk_signature_)) {
      return fail("SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you provided for a chunk.");
    }
    previous_signature_ = expected;
  }
  // After the last chunk: the signed form ends with an empty line; the trailer forms with
  // trailer lines and then an empty line.
  state_ = last_chunk_ ? State::kTrailer : State::kSize;
  return true;
}

Result<bool> AwsChunkedDecoder::take_trailer_line(const std::string& line) {
  if (line.empty()) {
    if (form_ == ChunkedForm::kSignedTrailer) {
      std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + signing_->amz_date + "\n" + signing_->scope + "\n" +
                            previous_signature_ + "\n" + to_hex(trailer_hash_.finish());
      std::string expected = to_hex(hmac_sha256(signing_->signing_key, to_sign));
      if (!constant_time_equal(expected, trailer_signature_)) {
        return fail("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided for the trailer.");
      }
    }
    state_ = State::kDone;
    return true;
  }
  if (form_ == ChunkedForm::kSigned) return fail("InvalidRequest", "A signed aws-chunked body without a trailer has one.");
  size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return fail("InvalidRequest", "A trailer line has no name.");
  std::string name = ascii_lower(line.substr(0, colon));
  std::string value = line.substr(colon + 1);
  if (name == kTrailerSignature) {
    trailer_signature_ = value;
    return true;
  }
  trailer_hash_.update(name + ":" + value + "\n");
  trailers_[name] = value;
  return true;
}

Result<bool> AwsChunkedDecoder::finish() const {
  if (state_ == State::kDone) return true;
  if (state_ == State::kFailed) return ApiError{"InvalidRequest", "The aws-chunked body was refused."};
  return ApiError{"IncompleteBody", "The request body ended before its last chunk and trailer."};
}

}  // namespace stratus::s3
