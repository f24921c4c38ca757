#include "compute/smbios_uuid_spots.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace stratus::compute {
namespace {

constexpr std::array<UuidForm, 6> kForms = {UuidForm::kLowerText, UuidForm::kUpperText, UuidForm::kSmbios,
                                            UuidForm::kBigEndian, UuidForm::kLowerHex,  UuidForm::kUpperHex};
constexpr std::array<const char*, 6> kFormNames = {"lower", "upper", "smbios", "big-endian", "lower-hex", "upper-hex"};
constexpr size_t kChunk = size_t{16} << 20;

// The 16 bytes of `uuid` in the text's order.
std::string raw_bytes(const std::string& uuid) {
  std::string hex;
  for (char c : uuid) {
    if (c != '-') hex += c;
  }
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

// A file descriptor closed when it goes.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string uuid_bytes(const std::string& uuid, UuidForm form) {
  std::string out = uuid;
  switch (form) {
    case UuidForm::kLowerHex:
    case UuidForm::kUpperHex:
      out = uuid_bytes(uuid, form == UuidForm::kLowerHex ? UuidForm::kLowerText : UuidForm::kUpperText);
      out.erase(std::remove(out.begin(), out.end(), '-'), out.end());
      return out;
    case UuidForm::kLowerText:
      for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    case UuidForm::kUpperText:
      for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return out;
    case UuidForm::kBigEndian:
      return raw_bytes(uuid);
    case UuidForm::kSmbios:
      out = raw_bytes(uuid);
      std::reverse(out.begin(), out.begin() + 4);
      std::reverse(out.begin() + 4, out.begin() + 6);
      std::reverse(out.begin() + 6, out.begin() + 8);
      return out;
  }
  return out;
}

Result<std::vector<UuidSpot>> find_uuid_spots(const std::filesystem::path& path, const std::string& uuid) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return ApiError{"InternalError", "cannot read " + path.string() + ": " + std::strerror(errno)};
  std::vector<std::string> needles;
  for (UuidForm form : kForms) needles.push_back(uuid_bytes(uuid, form));
  const size_t overlap = uuid.size() - 1;  // a spot may straddle two chunks
  std::vector<UuidSpot> spots;
  std::string buffer;
  auto failed = [&](const char* why) {
    return ApiError{"InternalError", "cannot read " + path.string() + ": " + why};
  };
  off_t data = 0;
  while ((data = ::lseek(file.fd, data, SEEK_DATA)) >= 0) {
    const off_t hole = ::lseek(file.fd, data, SEEK_HOLE);
    if (hole < 0) return failed(std::strerror(errno));
    for (off_t at = data; at < hole;) {
      const size_t length = static_cast<size_t>(std::min<off_t>(hole - at, kChunk));
      buffer.resize(length);
      const ssize_t got = ::pread(file.fd, buffer.data(), length, at);
      if (got < 0) return failed(std::strerror(errno));
      if (got == 0) return failed("it ended early");
      buffer.resize(static_cast<size_t>(got));
      for (size_t i = 0; i < kForms.size(); ++i) {
        std::string_view haystack(buffer);
        for (size_t found = haystack.find(needles[i]); found != std::string_view::npos;
             found = haystack.find(needles[i], found + 1)) {
          UuidSpot spot{at + static_cast<off_t>(found), kForms[i]};
          if (std::find(spots.begin(), spots.end(), spot) == spots.end()) spots.push_back(spot);
        }
      }
      const off_t next = at + got;
      at = (next < hole && static_cast<size_t>(got) > overlap) ? next - static_cast<off_t>(overlap) : next;
    }
    data = hole;
  }
  if (errno != ENXIO) return failed(std::strerror(errno));  // else: no data past the last hole
  std::sort(spots.begin(), spots.end(), [](const UuidSpot& a, const UuidSpot& b) { return a.offset < b.offset; });
  return spots;
}

Result<bool> write_uuid_spots(const std::filesystem::path& path, const std::vector<UuidSpot>& spots,
                              const std::string& uuid) {
  Fd file{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (file.fd < 0) return ApiError{"InternalError", "cannot write " + path.string() + ": " + std::strerror(errno)};
  for (const UuidSpot& spot : spots) {
    const std::string bytes = uuid_bytes(uuid, spot.form);
    if (::pwrite(file.fd, bytes.data(), bytes.size(), spot.offset) != static_cast<ssize_t>(bytes.size())) {
      return ApiError{"InternalError", "cannot write " + path.string() + ": " + std::strerror(errno)};
    }
  }
  return true;
}

std::string uuid_form_name(UuidForm form) { return kFormNames[static_cast<size_t>(form)]; }

std::optional<UuidForm> parse_uuid_form(const std::string& name) {
  for (size_t i = 0; i < kForms.size(); ++i) {
    if (name == kFormNames[i]) return kForms[i];
  }
  return std::nullopt;
}

}  // namespace stratus::compute
