// docs/conformance.md is what the generator prints today.

#include "services/ec2/conformance.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/embedded.h"
#include "store/sqlite_store.h"

namespace stratus::ec2 {
namespace {

TEST(Conformance, DocsMatchTheModelAndTheActionTable) {
  auto model = api::ServiceModel::parse(embedded::ec2_service_model());
  ASSERT_TRUE(model.ok());
  store::SqliteStore store(":memory:");
  Catalog catalog(embedded::instance_types(), embedded::regions());
  Ec2Service service(store, catalog);
  std::string table = conformance_table(*model.value(), service);
  EXPECT_NE(table.find("| CreateVpc | yes |"), std::string::npos);
  EXPECT_NE(table.find("| DescribeVpcClassicLink | retired"), std::string::npos);
  EXPECT_NE(table.find("| CreateVpcPeeringConnection |"), std::string::npos);
  EXPECT_EQ(table.find("TransitGateway"), std::string::npos);
  std::ifstream in(std::string(STRATUS_SOURCE_DIR) + "/docs/conformance.md");
  std::stringstream docs;
  docs << in.rdbuf();
  EXPECT_EQ(docs.str(), table) << "regenerate: build/stratus conformance > docs/conformance.md";
}

}  // namespace
}  // namespace stratus::ec2
