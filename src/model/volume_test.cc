#include "model/volume.h"

#include <gtest/gtest.h>

namespace stratus::model {
namespace {

using nlohmann::json;

Volume root_volume() {
  Volume v;
  v.spec.volume_id = "vol-0123456789abcdef0";
  v.spec.availability_zone = "us-east-1a";
  v.spec.size_gib = 10;
  v.spec.base_image = "ami-1";
  v.spec.create_time = "2026-12-01T00:00:00.000Z";
  v.spec.attachment = VolumeAttachment{"i-1", "/dev/xvda", "2026-12-01T00:00:00.000Z", true};
  v.status.state = VolumeState::kInUse;
  return v;
}

TEST(VolumeModel, RecordRoundTrip) {
  Volume before = root_volume();
  before.spec.iops = 4000;
  Volume after = volume_from_doc(volume_doc(before));
  EXPECT_EQ(after.spec.volume_id, before.spec.volume_id);
  EXPECT_EQ(after.spec.size_gib, 10);
  EXPECT_EQ(after.spec.iops, 4000);
  EXPECT_FALSE(after.spec.throughput);
  EXPECT_EQ(after.spec.base_image, "ami-1");
  ASSERT_TRUE(after.spec.attachment);
  EXPECT_EQ(after.spec.attachment->instance_id, "i-1");
  EXPECT_TRUE(after.spec.attachment->delete_on_termination);
  EXPECT_EQ(after.status.state, VolumeState::kInUse);
}

TEST(VolumeModel, ViewShowsTheAttachmentWhileInUseAndAwsDefaults) {
  Volume v = root_volume();
  json view = volume_view(v, "use1-az6");
  EXPECT_EQ(view["State"], "in-use");
  EXPECT_EQ(view["AvailabilityZoneId"], "use1-az6");
  ASSERT_EQ(view["Attachments"].size(), 1u);
  EXPECT_EQ(view["Attachments"][0]["State"], "attached");
  EXPECT_EQ(view["Iops"], 3000);       // gp3's baseline
  EXPECT_EQ(view["Throughput"], 125);
  EXPECT_EQ(block_device_mapping(v)["Ebs"]["VolumeId"], v.spec.volume_id);
  v.status.state = VolumeState::kAvailable;
  EXPECT_TRUE(volume_view(v, "")["Attachments"].empty());
  v.spec.volume_type = "gp2";
  v.spec.size_gib = 2000;
  EXPECT_EQ(volume_view(v, "")["Iops"], 6000);
  EXPECT_FALSE(volume_view(v, "").contains("Throughput"));
}

TEST(VolumeModel, StateNames) {
  for (VolumeState s : {VolumeState::kCreating, VolumeState::kAvailable, VolumeState::kInUse, VolumeState::kDeleting,
                        VolumeState::kDeleted, VolumeState::kError}) {
    EXPECT_EQ(parse_volume_state(volume_state_name(s)), s);
  }
  EXPECT_FALSE(parse_volume_state("attached"));
}

}  // namespace
}  // namespace stratus::model
