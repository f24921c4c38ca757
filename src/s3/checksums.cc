#include "s3/checksums.h"

#include <zlib.h>

#include <boost/crc.hpp>
#include <cstdint>

#include "common/base64.h"
#include "common/digest.h"

namespace stratus::s3 {
namespace {

// `value`'s `bytes` lowest bytes, big-endian.
std::string big_endian(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

class Crc32 : public Checksum {
 public:
  void update(std::string_view bytes) override {
    crc_ = static_cast<uint32_t>(::crc32_z(crc_, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
  }
  std::string value() override { return base64_encode(big_endian(crc_, 4)); }

 private:
  uint32_t crc_ = 0;
};

// A reflected CRC from Boost.CRC: CRC32C (Castagnoli) and CRC64NVME.
template <int Bits, uint64_t Polynomial>
class BoostCrc : public Checksum {
 public:
  void update(std::string_view bytes) override { crc_.process_bytes(bytes.data(), bytes.size()); }
  std::string value() override { return base64_encode(big_endian(crc_.checksum(), Bits / 8)); }

 private:
  using Value = typename boost::uint_t<Bits>::fast;
  boost::crc_optimal<Bits, static_cast<Value>(Polynomial), static_cast<Value>(~uint64_t{0}),
                     static_cast<Value>(~uint64_t{0}), true, true>
      crc_;
};

class Digest : public Checksum {
 public:
  explicit Digest(DigestAlgorithm algorithm) : digest_(algorithm) {}
  void update(std::string_view bytes) override { digest_.update(bytes); }
  std::string value() override { return base64_encode(digest_.finish()); }

 private:
  DigestStream digest_;
};

}  // namespace

const std::vector<std::string>& checksum_algorithms() {
  static const std::vector<std::string> kAlgorithms = {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"};
  return kAlgorithms;
}

std::unique_ptr<Checksum> make_checksum(const std::string& algorithm) {
  if (algorithm == "CRC32") return std::make_unique<Crc32>();
  if (algorithm == "CRC32C") return std::make_unique<BoostCrc<32, 0x1EDC6F41>>();
  if (algorithm == "CRC64NVME") return std::make_unique<BoostCrc<64, 0xAD93D23594C93659>>();
  if (algorithm == "SHA1") return std::make_unique<Digest>(DigestAlgorithm::kSha1);
  if (algorithm == "SHA256") return std::make_unique<Digest>(DigestAlgorithm::kSha256);
  return nullptr;
}

std::optional<std::string> composite_checksum(const std::string& algorithm, const std::vector<std::string>& parts) {
  auto checksum = make_checksum(algorithm);
  if (!checksum) return std::nullopt;
  for (const std::string& part : parts) {
    auto raw = base64_decode(part);
    if (!raw) return std::nullopt;
    checksum->update(*raw);
  }
  return checksum->value() + "-" + std::to_string(parts.size());
}

}  // namespace stratus::s3
