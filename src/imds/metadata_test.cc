#include "imds/metadata.h"

#include <gtest/gtest.h>

namespace stratus::imds {
namespace {

InstanceMetadata sample() {
  InstanceMetadata m;
  m.account_id = "123456789012";
  m.instance_id = "i-0123456789abcdef0";
  m.image_id = "ami-0123456789abcdef0";
  m.instance_type = "t2.micro";
  m.reservation_id = "r-0123456789abcdef0";
  m.region = "us-east-1";
  m.availability_zone = "us-east-1a";
  m.availability_zone_id = "use1-az1";
  m.local_hostname = "ip-172-31-5-17.ec2.internal";
  m.key_name = "k";
  m.public_key = "ssh-ed25519 AAAAC3Nza k";
  m.user_data = "#!/bin/bash\necho hi\n";
  m.pending_time = "2026-11-27T05:00:00Z";
  InterfaceMetadata eni;
  eni.mac = "02:00:00:00:00:10";
  eni.interface_id = "eni-0123456789abcdef0";
  eni.local_ipv4 = "172.31.5.17";
  eni.local_hostname = m.local_hostname;
  eni.public_ipv4 = "198.19.0.5";
  eni.subnet_id = "subnet-1";
  eni.subnet_cidr = "172.31.0.0/20";
  eni.vpc_id = "vpc-1";
  eni.vpc_cidr = "172.31.0.0/16";
  eni.security_group_ids = {"sg-1", "sg-2"};
  eni.security_group_names = {"default", "web"};
  m.interfaces.push_back(eni);
  return m;
}

struct Case {
  const char* path;
  int status;
  const char* body;  // null: not checked
};

TEST(Metadata, AnswersPathsAsCloudInitReadsThem) {
  nlohmann::json tree = metadata_tree(sample());
  const Case cases[] = {
      {"/latest/meta-data/instance-id", 200, "i-0123456789abcdef0"},
      {"/2021-03-23/meta-data/instance-id", 200, "i-0123456789abcdef0"},
      {"/2009-04-04/meta-data/local-ipv4", 200, "172.31.5.17"},
      {"/latest/meta-data/placement/availability-zone", 200, "us-east-1a"},
      {"/latest/meta-data/placement/", 200, "availability-zone\navailability-zone-id\nregion"},
      {"/latest/meta-data/placement", 200, "availability-zone\navailability-zone-id\nregion"},
      {"/latest/meta-data/public-keys/", 200, "0=k"},
      {"/latest/meta-data/public-keys/0/", 200, "openssh-key"},
      {"/latest/meta-data/public-keys/0/openssh-key", 200, "ssh-ed25519 AAAAC3Nza k"},
      {"/latest/meta-data/security-groups", 200, "default\nweb"},
      {"/latest/meta-data/public-ipv4", 200, "198.19.0.5"},
      {"/latest/meta-data/network/interfaces/macs/", 200, "02:00:00:00:00:10/"},
      {"/latest/meta-data/network/interfaces/macs/02:00:00:00:00:10/vpc-id", 200, "vpc-1"},
      {"/latest/meta-data/network/interfaces/macs/02:00:00:00:00:10/device-number", 200, "0"},
      {"/latest/user-data", 200, "#!/bin/bash\necho hi\n"},
      {"/latest/", 200, "dynamic/\nmeta-data/\nuser-data"},
      {"/latest/meta-data/nope", 404, nullptr},
      {"/latest/meta-data/public-keys/_listing", 404, nullptr},
      {"/1999-01-01/meta-data/instance-id", 404, nullptr},
  };
  for (const Case& c : cases) {
    Answer a = answer_get(tree, c.path);
    EXPECT_EQ(a.status, c.status) << c.path;
    if (c.body) {
      EXPECT_EQ(a.body, c.body) << c.path;
    }
  }
}

TEST(Metadata, ListsOnlyWhatAnswers) {
  // cloud-init aborts the whole crawl on a listed key that 404s: every listed entry must answer.
  nlohmann::json tree = metadata_tree(sample());
  std::vector<std::string> pending = {"/latest/meta-data/"};
  int checked = 0;
  while (!pending.empty()) {
    std::string dir = pending.back();
    pending.pop_back();
    Answer listing = answer_get(tree, dir);
    ASSERT_EQ(listing.status, 200) << dir;
    size_t pos = 0;
    while (pos <= listing.body.size()) {
      size_t nl = listing.body.find('\n', pos);
      std::string entry = listing.body.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? listing.body.size() + 1 : nl + 1;
      if (entry.empty()) continue;
      size_t eq = entry.find('=');
      if (eq != std::string::npos) entry = entry.substr(0, eq) + "/";  // "0=name" lists public-keys/0/
      if (entry.back() == '/') {
        pending.push_back(dir + entry);
      } else {
        EXPECT_EQ(answer_get(tree, dir + entry).status, 200) << dir + entry;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(Metadata, OptionalEntriesAreAbsentNotEmpty) {
  InstanceMetadata m = sample();
  m.key_name.clear();
  m.user_data.reset();
  m.interfaces[0].public_ipv4.clear();
  nlohmann::json tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/user-data").status, 404);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/public-keys/").status, 404);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/public-ipv4").status, 404);
  EXPECT_EQ(answer_get(tree, "/latest/").body, "dynamic/\nmeta-data/");
}

// Keys pushed by EC2 Instance Connect appear per OS user while unexpired; none: no directory.
TEST(Metadata, ManagedSshKeysPerUser) {
  InstanceMetadata m = sample();
  EXPECT_EQ(answer_get(metadata_tree(m), "/latest/meta-data/managed-ssh-keys/").status, 404);
  m.managed_keys = {{"ec2-user", "#Timestamp=1\nssh-ed25519 AAAA"}, {"admin", "ssh-rsa BBBB"}};
  nlohmann::json tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/managed-ssh-keys/active-keys/").body, "admin\nec2-user");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/managed-ssh-keys/active-keys/ec2-user/").body,
            "#Timestamp=1\nssh-ed25519 AAAA");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/managed-ssh-keys/active-keys/root/").status, 404);
}

// Data volumes appear under block-device-mapping as ebsN, named as AWS names them.
TEST(Metadata, BlockDeviceMappingListsVolumes) {
  InstanceMetadata m = sample();
  EXPECT_EQ(answer_get(metadata_tree(m), "/latest/meta-data/block-device-mapping/").body, "ami\nroot");
  m.ebs_devices = {"/dev/sdf", "/dev/xvdg"};
  nlohmann::json tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/block-device-mapping/").body, "ami\nebs1\nebs2\nroot");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/block-device-mapping/ebs1").body, "sdf");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/block-device-mapping/root").body, "/dev/xvda");
}

// iam/ is there only with an instance profile; security-credentials/ only when it holds a role.
// The answers are AWS's JSON, formatted as AWS formats it (botocore and the SDKs parse them).
TEST(Metadata, InstanceProfileAndRoleCredentials) {
  InstanceMetadata m = sample();
  EXPECT_EQ(answer_get(metadata_tree(m), "/latest/meta-data/iam/").status, 404);
  m.iam = IamMetadata{"arn:aws:iam::123456789012:instance-profile/web", "AIPAEXAMPLE", "",
                      {"", "", "", "2026-12-02T10:00:00Z", ""}};
  nlohmann::json tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/iam/").body, "info");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/iam/security-credentials/").status, 404);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/iam/info").body,
            "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-12-02T10:00:00Z\",\n"
            "  \"InstanceProfileArn\" : \"arn:aws:iam::123456789012:instance-profile/web\",\n"
            "  \"InstanceProfileId\" : \"AIPAEXAMPLE\"\n}");
  m.iam->role = "web-role";
  m.iam->credentials = {"ASIAEXAMPLE", "secret/+", "token", "2026-12-02T10:00:00Z", "2026-12-02T16:00:00Z"};
  tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/iam/").body, "info\nsecurity-credentials/");
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/iam/security-credentials/").body, "web-role");
  Answer credentials = answer_get(tree, "/latest/meta-data/iam/security-credentials/web-role");
  ASSERT_EQ(credentials.status, 200);
  EXPECT_EQ(credentials.body,
            "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-12-02T10:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n"
            "  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n  \"SecretAccessKey\" : \"secret/+\",\n  \"Token\" : \"token\",\n"
            "  \"Expiration\" : \"2026-12-02T16:00:00Z\"\n}");
  EXPECT_EQ(nlohmann::json::parse(credentials.body)["SecretAccessKey"], "secret/+");
}

// Every instance has identity credentials, with or without a profile.
TEST(Metadata, IdentityCredentials) {
  InstanceMetadata m = sample();
  EXPECT_EQ(answer_get(metadata_tree(m), "/latest/meta-data/identity-credentials/").status, 404);
  m.identity_credentials = ServedCredentials{"ASIAID", "s", "t", "2026-12-02T10:00:00Z", "2026-12-02T16:00:00Z"};
  nlohmann::json tree = metadata_tree(m);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/identity-credentials/ec2/").body, "info\nsecurity-credentials/");
  auto info = nlohmann::json::parse(answer_get(tree, "/latest/meta-data/identity-credentials/ec2/info").body);
  EXPECT_EQ(info["AccountId"], m.account_id);
  EXPECT_EQ(answer_get(tree, "/latest/meta-data/identity-credentials/ec2/security-credentials/").body, "ec2-instance");
  auto credentials = nlohmann::json::parse(
      answer_get(tree, "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance").body);
  EXPECT_EQ(credentials["AccessKeyId"], "ASIAID");
  EXPECT_EQ(credentials["Type"], "AWS-HMAC");
}

TEST(Metadata, IdentityDocumentAndVersions) {
  nlohmann::json tree = metadata_tree(sample());
  Answer doc = answer_get(tree, "/latest/dynamic/instance-identity/document");
  ASSERT_EQ(doc.status, 200);
  auto parsed = nlohmann::json::parse(doc.body);
  EXPECT_EQ(parsed["instanceId"], "i-0123456789abcdef0");
  EXPECT_EQ(parsed["privateIp"], "172.31.5.17");
  EXPECT_EQ(parsed["region"], "us-east-1");
  Answer root = answer_get(tree, "/");
  EXPECT_NE(root.body.find("2009-04-04\n"), std::string::npos);
  EXPECT_NE(root.body.find("2021-03-23\n"), std::string::npos);
  EXPECT_EQ(root.body.substr(root.body.size() - 6), "latest");
}

}  // namespace
}  // namespace stratus::imds
