#pragma once
// The additional checksums S3 keeps for an object when a client asks (CRC32, CRC32C, CRC64NVME,
// SHA1, SHA256): computed as the bytes stream in, shown as S3 shows them (base64 of the
// big-endian value or digest), and the composite form of a multipart object's.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::s3 {

// The algorithms, as S3 names them ("CRC32", ...).
const std::vector<std::string>& checksum_algorithms();

// A running checksum of one algorithm.
class Checksum {
 public:
  virtual ~Checksum() = default;
  // Adds `bytes`.
  virtual void update(std::string_view bytes) = 0;
  // The checksum of everything added, base64 as S3 shows it. REQUIRES: called once, at the end.
  virtual std::string value() = 0;
};

// A new checksum of `algorithm` (upper case, as in checksum_algorithms()), or null when S3 has
// no such algorithm.
std::unique_ptr<Checksum> make_checksum(const std::string& algorithm);

// The composite checksum of a multipart object whose parts have the checksums `parts` (base64,
// in part order): the algorithm over the parts' decoded values, then "-N". nullopt when a part's
// value does not decode.
std::optional<std::string> composite_checksum(const std::string& algorithm, const std::vector<std::string>& parts);

}  // namespace stratus::s3
