#pragma once
// The instance metadata an instance sees at 169.254.169.254: the data it is built from, the
// tree of paths it becomes, and how a GET of a path is answered. (No sockets here.)

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::imds {

// One network interface as IMDS describes it under network/interfaces/macs/<mac>/.
struct InterfaceMetadata {
  std::string mac;  // lower-case "02:xx:..."
  int device_number = 0;
  std::string interface_id;  // eni-...
  std::string local_ipv4;
  std::string local_hostname;
  std::string public_ipv4;  // "" when none
  std::string subnet_id;
  std::string subnet_cidr;
  std::string vpc_id;
  std::string vpc_cidr;
  std::vector<std::string> security_group_ids;
  std::vector<std::string> security_group_names;
};

// Temporary credentials as IMDS serves them.
struct ServedCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string token;
  std::string issued;      // ISO 8601 ("LastUpdated")
  std::string expiration;  // ISO 8601
};

// An instance's instance profile as meta-data/iam/ shows it.
struct IamMetadata {
  std::string profile_arn;
  std::string profile_id;
  std::string role;  // the profile's role; "" when it holds none (then no security-credentials/)
  ServedCredentials credentials;  // the role's, when there is a role
};

// Everything IMDS serves about one instance.
struct InstanceMetadata {
  std::string account_id;
  std::string instance_id;
  std::string image_id;
  std::string instance_type;
  std::string reservation_id;
  int launch_index = 0;
  std::string region;
  std::string availability_zone;
  std::string availability_zone_id;
  std::string local_hostname;  // "ip-172-31-5-17.ec2.internal"
  std::string public_hostname;  // "" when no public IP
  std::string key_name;         // "" when launched without a key pair
  std::string public_key;       // OpenSSH line of the key pair
  std::optional<std::string> user_data;  // decoded bytes; nullopt = none (404)
  std::string pending_time;     // ISO 8601, for the identity document
  std::vector<InterfaceMetadata> interfaces;  // [0] is the primary ENI
  std::string root_device = "/dev/xvda";
  std::vector<std::string> ebs_devices;  // its data volumes' devices ("/dev/sdf"), in attachment order
  std::optional<IamMetadata> iam;        // its instance profile; nullopt = none (iam/ is 404)
  std::optional<ServedCredentials> identity_credentials;  // identity-credentials/ec2/; nullopt = none
  bool spot = false;                     // a spot instance (instance-life-cycle)
  std::string spot_action;               // spot/instance-action's action ("terminate", "stop") once notice shows
  std::string spot_action_time;          // ISO 8601: when it is interrupted; "" before notice (404)
  std::string rebalance_notice_time;     // ISO 8601: events/recommendations/rebalance; "" for none (404)
  // OS user -> the keys EC2 Instance Connect pushed for it and that have not expired, as
  // managed-ssh-keys/active-keys/USER/ serves them; empty: managed-ssh-keys/ is 404.
  std::map<std::string, std::string> managed_keys;
};

// The dated API versions served besides "latest", oldest first.
const std::vector<std::string>& api_versions();

// The tree of one version: JSON objects are directories, strings are leaves. A directory may
// carry "_listing" (a string) to be listed differently from its keys (public-keys: "0=name").
// Only entries that answer 200 are present: cloud-init treats a listed-but-missing key as fatal.
nlohmann::json metadata_tree(const InstanceMetadata& metadata);

// An answer to a GET.
struct Answer {
  int status = 200;  // 200 or 404
  std::string body;
};

// Answers GET `path` (e.g. "/latest/meta-data/placement/region") from `tree`. "/" lists the
// versions; directories are listed one entry per line, sub-directories with a trailing '/',
// with or without a trailing '/' in the request; unknown paths and versions are 404.
Answer answer_get(const nlohmann::json& tree, std::string_view path);

}  // namespace stratus::imds
