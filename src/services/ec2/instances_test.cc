// Instances through Ec2Service over a real store: launch rules, attributes and host capacity.
// States that only the reconciler reaches (stopped) are written into the store directly, as it
// would.

#include <gtest/gtest.h>

#include <set>

#include "common/base64.h"
#include "services/ec2/ec2_fixture.h"

namespace stratus::ec2 {
namespace {

class InstancesTest : public Ec2Fixture {
 protected:
  InstancesTest() : Ec2Fixture("ec2-instances-test") {}
  // The error code of `action`, or "" when it succeeds.
  std::string error_of(const std::string& action, const json& request) {
    auto result = service_->call(action, kRegion, kAccount, request);
    return result.ok() ? "" : result.error().code;
  }
  json run(const std::string& type, int64_t min_count, int64_t max_count) {
    return call("RunInstances",
                {{"ImageId", image_}, {"InstanceType", type}, {"MinCount", min_count}, {"MaxCount", max_count}});
  }
  std::string run_one(const std::string& type = "t2.micro") {
    return run(type, 1, 1)["Instances"][0]["InstanceId"].get<std::string>();
  }
  // Puts `id` into `state` (whose code is `code`), as the reconciler does when its VM follows.
  void set_state(const std::string& id, const std::string& state, int code) {
    change_instance(id, [&](model::Instance& i) {
      i.status.state = *compute::parse_state(state);
      EXPECT_EQ(compute::state_code(i.status.state), code);
    });
  }
  json attribute(const std::string& id, const std::string& name) {
    return call("DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", name}});
  }
};

TEST_F(InstancesTest, DescribesEveryAttribute) {
  bootstrap();
  std::string id = run_one();
  EXPECT_EQ(attribute(id, "instanceType")["InstanceType"]["Value"], "t2.micro");
  EXPECT_EQ(attribute(id, "instanceType")["InstanceId"], id);
  EXPECT_EQ(attribute(id, "userData")["UserData"], json::object());
  EXPECT_EQ(attribute(id, "disableApiTermination")["DisableApiTermination"]["Value"], false);
  EXPECT_EQ(attribute(id, "instanceInitiatedShutdownBehavior")["InstanceInitiatedShutdownBehavior"]["Value"], "stop");
  EXPECT_EQ(attribute(id, "rootDeviceName")["RootDeviceName"]["Value"], "/dev/xvda");
  EXPECT_EQ(attribute(id, "blockDeviceMapping")["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"], true);
  EXPECT_EQ(attribute(id, "sourceDestCheck")["SourceDestCheck"]["Value"], true);
  EXPECT_EQ(attribute(id, "groupSet")["Groups"][0]["GroupName"], "default");
  EXPECT_EQ(attribute(id, "enaSupport")["EnaSupport"]["Value"], true);
  EXPECT_EQ(attribute(id, "productCodes")["ProductCodes"], json::array());
  EXPECT_EQ(error_of("DescribeInstanceAttribute", {{"InstanceId", "i-0123456789abcdef0"}, {"Attribute", "instanceType"}}),
            "InvalidInstanceID.NotFound");
}

TEST_F(InstancesTest, InstanceTypeAndUserDataChangeOnlyWhileStopped) {
  bootstrap();
  std::string id = run_one();
  json t3 = {{"InstanceId", id}, {"InstanceType", {{"Value", "t3.large"}}}};
  std::string data = base64_encode("#!/bin/sh\necho again\n");
  json user_data = {{"InstanceId", id}, {"UserData", {{"Value", data}}}};
  EXPECT_EQ(error_of("ModifyInstanceAttribute", t3), "IncorrectInstanceState");  // pending
  EXPECT_EQ(error_of("ModifyInstanceAttribute", user_data), "IncorrectInstanceState");
  EXPECT_EQ(instance(id)["InstanceType"], "t2.micro");

  set_state(id, "stopped", 80);
  call("ModifyInstanceAttribute", t3);
  call("ModifyInstanceAttribute", user_data);
  EXPECT_EQ(instance(id)["InstanceType"], "t3.large");
  EXPECT_EQ(instance(id)["CpuOptions"]["CoreCount"], 1);
  EXPECT_EQ(instance(id)["CpuOptions"]["ThreadsPerCore"], 2);
  EXPECT_EQ(attribute(id, "userData")["UserData"]["Value"], data);
  // The legacy form (Attribute + Value) does the same.
  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"Attribute", "instanceType"}, {"Value", "m5.large"}});
  EXPECT_EQ(attribute(id, "instanceType")["InstanceType"]["Value"], "m5.large");
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"InstanceType", {{"Value", "t9.huge"}}}}),
            "InvalidInstanceAttributeValue");
  EXPECT_EQ(attribute(id, "instanceType")["InstanceType"]["Value"], "m5.large");
}

TEST_F(InstancesTest, OneAttributePerCallAndItsRules) {
  bootstrap();
  std::string id = run_one();
  set_state(id, "running", 16);
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}}), "InvalidParameterCombination");
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id},
                                                 {"DisableApiTermination", {{"Value", true}}},
                                                 {"SourceDestCheck", {{"Value", false}}}}),
            "InvalidParameterCombination");
  EXPECT_EQ(error_of("ModifyInstanceAttribute",
                     {{"InstanceId", id}, {"InstanceInitiatedShutdownBehavior", {{"Value", "explode"}}}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"Attribute", "rootDeviceName"}, {"Value", "x"}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"Kernel", {{"Value", "aki-12345678"}}}}),
            "IncorrectInstanceState");

  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"SourceDestCheck", {{"Value", false}}}});
  json now = instance(id);
  EXPECT_EQ(now["SourceDestCheck"], false);
  EXPECT_EQ(now["NetworkInterfaces"][0]["SourceDestCheck"], false);

  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"Attribute", "disableApiTermination"}, {"Value", "true"}});
  EXPECT_EQ(error_of("TerminateInstances", {{"InstanceIds", {id}}}), "OperationNotPermitted");
  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"DisableApiStop", {{"Value", true}}}});
  EXPECT_EQ(error_of("StopInstances", {{"InstanceIds", {id}}}), "OperationNotPermitted");
  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"DisableApiStop", {{"Value", false}}}});
  EXPECT_EQ(error_of("StopInstances", {{"InstanceIds", {id}}}), "");

  call("ModifyInstanceAttribute",
       {{"InstanceId", id}, {"BlockDeviceMappings", {{{"DeviceName", "/dev/xvda"}, {"Ebs", {{"DeleteOnTermination", false}}}}}}});
  EXPECT_EQ(instance(id)["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"], false);
  EXPECT_EQ(error_of("ModifyInstanceAttribute",
                     {{"InstanceId", id},
                      {"BlockDeviceMappings", {{{"DeviceName", "/dev/sdf"}, {"Ebs", {{"DeleteOnTermination", false}}}}}}}),
            "InvalidInstanceAttributeValue");

  set_state(id, "terminated", 48);
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"SourceDestCheck", {{"Value", true}}}}),
            "IncorrectInstanceState");
}

TEST_F(InstancesTest, SecurityGroupsOfTheInstancesVpcOnly) {
  bootstrap();
  std::string id = run_one();
  std::string vpc = instance(id)["VpcId"];
  std::string web = call("CreateSecurityGroup", {{"GroupName", "web"}, {"Description", "w"}, {"VpcId", vpc}})["GroupId"];
  call("ModifyInstanceAttribute", {{"InstanceId", id}, {"Groups", {web}}});
  json now = instance(id);
  EXPECT_EQ(now["SecurityGroups"], json::array({{{"GroupId", web}, {"GroupName", "web"}}}));
  EXPECT_EQ(now["NetworkInterfaces"][0]["Groups"], now["SecurityGroups"]);
  std::string other_vpc = call("CreateVpc", {{"CidrBlock", "10.9.0.0/16"}})["Vpc"]["VpcId"];
  std::string other = call("CreateSecurityGroup", {{"GroupName", "o"}, {"Description", "o"}, {"VpcId", other_vpc}})["GroupId"];
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"Groups", {web, other}}}), "InvalidParameter");
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"Groups", {"sg-0123456789abcdef0"}}}),
            "InvalidGroup.NotFound");
  EXPECT_EQ(instance(id)["SecurityGroups"], now["SecurityGroups"]);  // failed calls changed nothing
}

// Groups named at launch and the key pair are found by name (through the store's index) in
// the launch VPC only.
TEST_F(InstancesTest, LaunchFindsGroupsAndKeyPairByName) {
  bootstrap();
  std::string vpc = call("DescribeVpcs", json::object())["Vpcs"][0]["VpcId"];
  std::string web = call("CreateSecurityGroup", {{"GroupName", "web"}, {"Description", "w"}, {"VpcId", vpc}})["GroupId"];
  std::string other_vpc = call("CreateVpc", {{"CidrBlock", "10.9.0.0/16"}})["Vpc"]["VpcId"];
  call("CreateSecurityGroup", {{"GroupName", "web"}, {"Description", "o"}, {"VpcId", other_vpc}});
  call("CreateSecurityGroup", {{"GroupName", "db"}, {"Description", "o"}, {"VpcId", other_vpc}});
  call("CreateKeyPair", {{"KeyName", "k"}});
  json base = {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 1}};
  json named = base;
  named["SecurityGroups"] = {"web"};
  named["KeyName"] = "k";
  json launched = call("RunInstances", named)["Instances"][0];
  EXPECT_EQ(launched["SecurityGroups"], json::array({{{"GroupId", web}, {"GroupName", "web"}}}));
  EXPECT_EQ(launched["KeyName"], "k");
  json elsewhere = base;
  elsewhere["SecurityGroups"] = {"db"};
  EXPECT_EQ(error_of("RunInstances", elsewhere), "InvalidGroup.NotFound");
  json no_key = base;
  no_key["KeyName"] = "missing";
  EXPECT_EQ(error_of("RunInstances", no_key), "InvalidKeyPair.NotFound");
}

TEST_F(InstancesTest, RootVolumeMappingAtLaunch) {
  bootstrap();
  json base = {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 1}};
  json keep = base;
  keep["BlockDeviceMappings"] = {{{"DeviceName", "/dev/xvda"}, {"Ebs", {{"DeleteOnTermination", false}, {"VolumeSize", 20}}}}};
  json launched = call("RunInstances", keep)["Instances"][0];
  EXPECT_EQ(launched["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"], false);
  json small = base;
  small["BlockDeviceMappings"] = {{{"DeviceName", "/dev/xvda"}, {"Ebs", {{"VolumeSize", 4}}}}};
  EXPECT_EQ(error_of("RunInstances", small), "InvalidBlockDeviceMapping");
  json mismatch = base;  // a subnet of one zone with a placement in another
  std::string subnet = launched["SubnetId"];
  mismatch["SubnetId"] = subnet;
  mismatch["Placement"] = {{"AvailabilityZone", launched["Placement"]["AvailabilityZone"] == "us-east-1a" ? "us-east-1b"
                                                                                                       : "us-east-1a"}};
  EXPECT_EQ(error_of("RunInstances", mismatch), "InvalidParameterValue");
  json ephemeral = base;  // no instance type here has instance store
  ephemeral["BlockDeviceMappings"] = {{{"DeviceName", "/dev/sdf"}, {"VirtualName", "ephemeral0"}}};
  EXPECT_EQ(error_of("RunInstances", ephemeral), "UnsupportedOperation");
  json extra = base;
  extra["BlockDeviceMappings"] = {{{"DeviceName", "/dev/sdf"}, {"Ebs", {{"VolumeSize", 10}}}}};
  EXPECT_EQ(call("RunInstances", extra)["Instances"][0]["BlockDeviceMappings"].size(), 2u);
}

// An instance that terminated itself (guest shutdown, behaviour terminate: the reconciler moves
// it) leaves its Elastic IP unassociated, as AWS shows it, and free to release or move.
TEST_F(InstancesTest, ElasticIpOfAnInstanceThatTerminatedItselfIsFree) {
  bootstrap();
  std::string id = run_one();
  json address = call("AllocateAddress", json::object());
  call("AssociateAddress", {{"AllocationId", address["AllocationId"]}, {"InstanceId", id}});
  EXPECT_TRUE(call("DescribeAddresses", json::object())["Addresses"][0].contains("AssociationId"));
  set_state(id, "terminated", 48);
  json shown = call("DescribeAddresses", json::object())["Addresses"][0];
  EXPECT_FALSE(shown.contains("AssociationId"));
  EXPECT_FALSE(shown.contains("InstanceId"));
  std::string other = run_one();
  EXPECT_EQ(error_of("AssociateAddress", {{"AllocationId", address["AllocationId"]}, {"InstanceId", other}}), "");
  EXPECT_EQ(instance(other)["PublicIpAddress"], address["PublicIp"]);
}

TEST_F(InstancesTest, LaunchesStopAtTheHostsMemory) {
  // Room for three t2.micro (1 GiB each) with 100 MiB of VM overhead each.
  service_->set_host_capacity({3 * (1024 + 100), 0, 100});
  bootstrap();
  json reservation = run("t2.micro", 1, 5);  // as many as fit, at least MinCount
  EXPECT_EQ(reservation["Instances"].size(), 3u);
  EXPECT_EQ(error_of("RunInstances", {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1},
                                      {"MaxCount", 1}}),
            "InsufficientInstanceCapacity");
  // A stopped instance gives its memory back; starting it again needs it.
  std::string first = reservation["Instances"][0]["InstanceId"];
  set_state(first, "stopped", 80);
  std::string fourth = run_one();
  EXPECT_EQ(error_of("StartInstances", {{"InstanceIds", {first}}}), "InsufficientInstanceCapacity");
  EXPECT_EQ(instance(first)["State"]["Name"], "stopped");
  call("TerminateInstances", {{"InstanceIds", {fourth}}});  // shutting-down frees the host at once
  {
    auto txn = store_->begin_write();
    auto record = txn->get(first);
    model::Instance stopped = model::instance_from_doc(record->doc);
    stopped.api["LaunchTime"] = "2020-01-01T00:00:00.000Z";  // launched long ago
    record->doc = model::instance_doc(stopped);
    txn->put(*record);
    txn->commit();
  }
  EXPECT_EQ(error_of("StartInstances", {{"InstanceIds", {first}}}), "");
  EXPECT_EQ(instance(first)["State"]["Name"], "pending");
  EXPECT_NE(instance(first)["LaunchTime"], "2020-01-01T00:00:00.000Z");  // last launched now
  EXPECT_EQ(instance(first)["NetworkInterfaces"][0]["Attachment"]["AttachTime"],
            reservation["Instances"][0]["NetworkInterfaces"][0]["Attachment"]["AttachTime"]);
}

TEST_F(InstancesTest, LaunchesStopAtTheVcpuBudget) {
  service_->set_host_capacity({0, 4, 0});
  bootstrap();
  EXPECT_EQ(run("t3.medium", 1, 3)["Instances"].size(), 2u);  // 2 vCPUs each
  EXPECT_EQ(error_of("RunInstances", {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1},
                                      {"MaxCount", 1}}),
            "InsufficientInstanceCapacity");
}

// max-instances counts pending, running and stopping instances of the region, as AWS's quota
// counts running ones: a launch gets what fits down to MinCount, a start needs room too.
TEST_F(InstancesTest, LaunchesAndStartsStopAtTheInstanceQuota) {
  service_->set_limits({.instances = 3});
  bootstrap();
  json reservation = run("t2.micro", 1, 2);
  EXPECT_EQ(reservation["Instances"].size(), 2u);
  auto launch = [&](int64_t min_count, int64_t max_count) {
    auto result = service_->call("RunInstances", kRegion, kAccount,
                                 {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", min_count},
                                  {"MaxCount", max_count}});
    return result.ok() ? std::to_string(result.value()["Instances"].size())
                       : result.error().code + ": " + result.error().message;
  };
  EXPECT_EQ(launch(2, 5), "InstanceLimitExceeded: Your quota allows for 1 more running instance(s). You requested at "
                          "least 2");
  EXPECT_EQ(call("DescribeInstances", json::object())["Reservations"].size(), 1u);  // the refused launch made none
  EXPECT_EQ(launch(1, 5), "1");
  EXPECT_EQ(launch(1, 1), "InstanceLimitExceeded: Your quota allows for 0 more running instance(s). You requested at "
                          "least 1");
  // A stopped instance leaves room; starting it again needs the room back.
  std::string first = reservation["Instances"][0]["InstanceId"];
  set_state(first, "stopped", 80);
  std::string fourth = run_one();
  EXPECT_EQ(error_of("StartInstances", {{"InstanceIds", {first}}}), "InstanceLimitExceeded");
  EXPECT_EQ(instance(first)["State"]["Name"], "stopped");
  call("TerminateInstances", {{"InstanceIds", {fourth}}});  // shutting-down no longer counts
  EXPECT_EQ(error_of("StartInstances", {{"InstanceIds", {first}}}), "");
  // Another region has a quota of its own.
  auto elsewhere = service_->call("DescribeImages", "eu-west-1", kAccount, json::object());
  json west = {{"ImageId", elsewhere.value()["Images"][0]["ImageId"]}, {"InstanceType", "t3.micro"}, {"MinCount", 3},
               {"MaxCount", 3}};
  EXPECT_TRUE(service_->call("RunInstances", "eu-west-1", kAccount, west).ok());
}

// Security groups per interface: instance calls answer SecurityGroupsPerInstanceLimitExceeded,
// interface calls SecurityGroupsPerInterfaceLimitExceeded (AWS's codes); network interfaces per
// region count the instances' own.
TEST_F(InstancesTest, GroupsPerInterfaceAndInterfacesPerRegion) {
  service_->set_limits({.security_groups_per_interface = 1, .network_interfaces = 2});
  bootstrap();
  std::string subnet = call("DescribeSubnets", json::object())["Subnets"][0]["SubnetId"];
  std::string a = call("CreateSecurityGroup", {{"GroupName", "a"}, {"Description", "a"}})["GroupId"];
  std::string b = call("CreateSecurityGroup", {{"GroupName", "b"}, {"Description", "b"}})["GroupId"];
  json launch = {{"ImageId", image_}, {"InstanceType", "t2.micro"}, {"MinCount", 1}, {"MaxCount", 1},
                 {"SecurityGroupIds", json::array({a, b})}};
  EXPECT_EQ(error_of("RunInstances", launch), "SecurityGroupsPerInstanceLimitExceeded");
  launch["SecurityGroupIds"] = json::array({a});
  std::string id = call("RunInstances", launch)["Instances"][0]["InstanceId"];
  EXPECT_EQ(error_of("ModifyInstanceAttribute", {{"InstanceId", id}, {"Groups", json::array({a, b})}}),
            "SecurityGroupsPerInstanceLimitExceeded");
  EXPECT_EQ(error_of("CreateNetworkInterface", {{"SubnetId", subnet}, {"Groups", json::array({a, b})}}),
            "SecurityGroupsPerInterfaceLimitExceeded");
  json created = call("CreateNetworkInterface", {{"SubnetId", subnet}, {"Groups", json::array({b})}});
  std::string eni = created["NetworkInterface"]["NetworkInterfaceId"];
  json both = {{"NetworkInterfaceId", eni}, {"Groups", json::array({a, b})}};
  EXPECT_EQ(error_of("ModifyNetworkInterfaceAttribute", both), "SecurityGroupsPerInterfaceLimitExceeded");
  EXPECT_EQ(call("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}})["NetworkInterfaces"][0]["Groups"][0]
                ["GroupId"],
            b);
  // The instance's interface and `eni` fill the region's two.
  EXPECT_EQ(error_of("CreateNetworkInterface", {{"SubnetId", subnet}}), "NetworkInterfaceLimitExceeded");
  EXPECT_EQ(call("DescribeNetworkInterfaces", json::object())["NetworkInterfaces"].size(), 2u);
  call("DeleteNetworkInterface", {{"NetworkInterfaceId", eni}});
  EXPECT_EQ(error_of("CreateNetworkInterface", {{"SubnetId", subnet}}), "");
}

// The launch checks AWS makes against the catalogue, each changing nothing.
TEST_F(InstancesTest, LaunchesOnlyWhatTheRegionZoneAndImageAllow) {
  bootstrap();
  auto launch = [&](json request, const std::string& region = kRegion) {
    request["MinCount"] = 1;
    request["MaxCount"] = 1;
    auto result = service_->call("RunInstances", region, kAccount, request);
    return result.ok() ? std::string() : result.error().code + ": " + result.error().message;
  };
  EXPECT_EQ(launch({{"ImageId", image_}, {"InstanceType", "m6g.large"}}).rfind("InvalidParameterValue: The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64'", 0), 0u);
  EXPECT_EQ(launch({{"ImageId", image_}, {"InstanceType", "g4dn.xlarge"}}).rfind("InsufficientInstanceCapacity", 0), 0u);
  EXPECT_EQ(launch({{"ImageId", image_}, {"InstanceType", "t3.micro"}, {"Placement", {{"AvailabilityZone", "us-east-1e"}}}}),
            "Unsupported: Your requested instance type (t3.micro) is not supported in your requested Availability "
            "Zone (us-east-1e). Please retry your request by not specifying an Availability Zone or choosing "
            "us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f.");
  EXPECT_EQ(launch({{"ImageId", image_}, {"InstanceType", "x9.huge"}}).rfind("InvalidParameterValue", 0), 0u);
  EXPECT_EQ(call("DescribeInstances", json::object())["Reservations"].size(), 0u);
  // ca-west-1 (opened 2023) has no t2; the region's own base AMI is another id.
  std::string west_image = service_->call("DescribeImages", "ca-west-1", kAccount, json::object()).value()["Images"][0]["ImageId"];
  EXPECT_NE(west_image, image_);
  EXPECT_EQ(launch({{"ImageId", west_image}, {"InstanceType", "t2.micro"}}, "ca-west-1").rfind("Unsupported: The requested configuration is currently not supported.", 0), 0u);
  EXPECT_EQ(launch({{"ImageId", west_image}, {"InstanceType", "t3.micro"}}, "ca-west-1"), "");
  // Without a zone, the launch goes to a default subnet whose zone offers the type.
  for (int i = 0; i < 3; ++i) EXPECT_NE(instance(run_one("t3.micro"))["Placement"]["AvailabilityZone"], "us-east-1e");
}

TEST_F(InstancesTest, DefaultInstanceTypeIsM1Small) {
  bootstrap();
  json reservation = call("RunInstances", {{"ImageId", image_}, {"MinCount", 1}, {"MaxCount", 1}});
  EXPECT_EQ(reservation["Instances"][0]["InstanceType"], "m1.small");
}

TEST_F(InstancesTest, RegionsAreReadiedOnFirstUse) {
  bootstrap();
  auto regions_with_vpcs = [&] {
    std::set<std::string> regions;
    auto txn = store_->begin_read();
    for (const store::Record& r : txn->list("vpc", std::nullopt)) regions.insert(r.region);
    return regions;
  };
  EXPECT_EQ(regions_with_vpcs(), std::set<std::string>{kRegion});  // bootstrap() described us-east-1's images
  EXPECT_EQ(service_->call("DescribeVpcs", "eu-west-1", kAccount, json::object()).value()["Vpcs"].size(), 1u);
  EXPECT_EQ(regions_with_vpcs(), (std::set<std::string>{kRegion, "eu-west-1"}));
}

}  // namespace
}  // namespace stratus::ec2
