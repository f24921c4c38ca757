#pragma once
// A saved guest's memory names the machine it was saved on: the SMBIOS UUID sits in the
// firmware's tables and in the kernel's copies of them (/sys/class/dmi/id/product_uuid,
// product_serial). A VM restored from that memory must name its own, as a booted one does, so
// the warm pool finds where the saved UUID is once, and each restore writes its own there.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace stratus::compute {

// The ways a UUID is written in memory.
enum class UuidForm {
  kLowerText,  // "ec2a1b2c-..." (the kernel's product_uuid, SMBIOS strings)
  kUpperText,  // "EC2A1B2C-..."
  kSmbios,     // 16 bytes, the first three fields little-endian (SMBIOS 2.6 and later)
  kBigEndian,  // 16 bytes in the text's order (SMBIOS before 2.6; systemd's id128)
  kLowerHex,   // "ec2a1b2c..." without dashes (a machine-id that systemd took from the UUID)
  kUpperHex,   // "EC2A1B2C..." without dashes
};

// One place where a file holds a UUID.
struct UuidSpot {
  int64_t offset = 0;
  UuidForm form = UuidForm::kLowerText;
  bool operator==(const UuidSpot&) const = default;
};

// `uuid` (36 characters, 8-4-4-4-12 hex digits; either case) written in `form`. REQUIRES: a
// well-formed uuid.
std::string uuid_bytes(const std::string& uuid, UuidForm form);

// Every place in the file `path` where `uuid` is, in any form, by offset. Reads only the file's
// data (a sparse file's holes are skipped). Errors: the file cannot be read.
Result<std::vector<UuidSpot>> find_uuid_spots(const std::filesystem::path& path, const std::string& uuid);

// Writes `uuid` over each of `spots` in the file `path`, each in its spot's form. Errors: the
// file cannot be written.
Result<bool> write_uuid_spots(const std::filesystem::path& path, const std::vector<UuidSpot>& spots,
                              const std::string& uuid);

// The name of `form` ("lower", "upper", "smbios", "big-endian", "lower-hex", "upper-hex"), as
// records keep it.
std::string uuid_form_name(UuidForm form);
// The form `name` names; nullopt when it names none.
std::optional<UuidForm> parse_uuid_form(const std::string& name);

}  // namespace stratus::compute
