#pragma once
// The VM an instance type gives: one reading of InstanceTypeInfo for launches, type changes and
// the warm pool's saved states.

#include <nlohmann/json.hpp>

#include "model/instance.h"

namespace stratus::ec2 {

// Sets `spec`'s vCPUs, memory and interface limit from `info`, an InstanceTypeInfo document of
// the catalogue (defaults 1 vCPU, 512 MiB, 2 interfaces where it is silent).
inline void apply_instance_size(model::InstanceSpec& spec, const nlohmann::json& info) {
  spec.vcpus = info["VCpuInfo"].value("DefaultVCpus", 1);
  spec.memory_mib = info["MemoryInfo"].value("SizeInMiB", 512);
  spec.max_interfaces = info["NetworkInfo"].value("MaximumNetworkInterfaces", 2);
}

}  // namespace stratus::ec2
