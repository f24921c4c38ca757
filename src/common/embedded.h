#pragma once
// Data files compiled into the binary, so `stratus` runs from any directory.

#include <string_view>

namespace stratus::embedded {

// spec/ec2-2016-11-15.json: botocore's EC2 service model without documentation.
std::string_view ec2_service_model();
// spec/sts-2011-06-15.json: botocore's STS service model without documentation.
std::string_view sts_service_model();

// spec/ebs-2019-11-02.json: botocore's EBS (direct APIs) service model without documentation.
std::string_view ebs_service_model();
// spec/iam-2010-05-08.json: botocore's IAM service model without documentation.
std::string_view iam_service_model();
// botocore's S3 model (spec/s3-2006-03-01.json).
std::string_view s3_service_model();
// botocore's Cost Explorer model (spec/ce-2017-10-25.json).
std::string_view ce_service_model();
// botocore's Budgets model (spec/budgets-2016-10-20.json).
std::string_view budgets_service_model();
// botocore's Fault Injection Service model (spec/fis-2020-12-01.json).
std::string_view fis_service_model();
// botocore's EC2 Instance Connect model (spec/ec2-instance-connect-2018-04-02.json).
std::string_view instance_connect_service_model();
// data/instance_types.json: the instance type catalogue with prices.
std::string_view instance_types();
// data/prices.json: EBS and public IPv4 prices, and the regions' usage type prefixes.
std::string_view prices();
// data/regions.json: the regions, their zones and the instance types each offers.
std::string_view regions();
// data/aws_managed_policies.json: the AWS managed policies offered, with their documents.
std::string_view aws_managed_policies();
// data/ec2_authorization.json: the resources EC2 calls are authorized against.
std::string_view ec2_authorization();
// images/debian-12.sh: the recipe of the base AMI.
std::string_view debian_image_recipe();

}  // namespace stratus::embedded
