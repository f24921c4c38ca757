#include "common/embedded.h"

// Symbols defined by the generated embedded_data.S (.incbin of each file).
extern "C" const char stratus_ec2_model_begin[], stratus_ec2_model_end[];
extern "C" const char stratus_sts_model_begin[], stratus_sts_model_end[];
extern "C" const char stratus_ebs_model_begin[], stratus_ebs_model_end[];
extern "C" const char stratus_iam_model_begin[], stratus_iam_model_end[];
extern "C" const char stratus_s3_model_begin[], stratus_s3_model_end[];
extern "C" const char stratus_instance_types_begin[], stratus_instance_types_end[];
extern "C" const char stratus_regions_begin[], stratus_regions_end[];
extern "C" const char stratus_prices_begin[], stratus_prices_end[];
extern "C" const char stratus_ce_model_begin[], stratus_ce_model_end[];
extern "C" const char stratus_budgets_model_begin[], stratus_budgets_model_end[];
extern "C" const char stratus_fis_model_begin[], stratus_fis_model_end[];
extern "C" const char stratus_instance_connect_model_begin[], stratus_instance_connect_model_end[];
extern "C" const char stratus_aws_policies_begin[], stratus_aws_policies_end[];
extern "C" const char stratus_ec2_authorization_begin[], stratus_ec2_authorization_end[];
extern "C" const char stratus_debian_recipe_begin[], stratus_debian_recipe_end[];

namespace stratus::embedded {

std::string_view ec2_service_model() {
  return {stratus_ec2_model_begin, static_cast<size_t>(stratus_ec2_model_end - stratus_ec2_model_begin)};
}

std::string_view sts_service_model() {
  return {stratus_sts_model_begin, static_cast<size_t>(stratus_sts_model_end - stratus_sts_model_begin)};
}

std::string_view ebs_service_model() {
  return {stratus_ebs_model_begin, static_cast<size_t>(stratus_ebs_model_end - stratus_ebs_model_begin)};
}

std::string_view iam_service_model() {
  return {stratus_iam_model_begin, static_cast<size_t>(stratus_iam_model_end - stratus_iam_model_begin)};
}

std::string_view s3_service_model() {
  return {stratus_s3_model_begin, static_cast<size_t>(stratus_s3_model_end - stratus_s3_model_begin)};
}

std::string_view instance_types() {
  return {stratus_instance_types_begin,
          static_cast<size_t>(stratus_instance_types_end - stratus_instance_types_begin)};
}

std::string_view aws_managed_policies() {
  return {stratus_aws_policies_begin, static_cast<size_t>(stratus_aws_policies_end - stratus_aws_policies_begin)};
}

std::string_view ce_service_model() {
  return {stratus_ce_model_begin, static_cast<size_t>(stratus_ce_model_end - stratus_ce_model_begin)};
}

std::string_view budgets_service_model() {
  return {stratus_budgets_model_begin, static_cast<size_t>(stratus_budgets_model_end - stratus_budgets_model_begin)};
}

std::string_view fis_service_model() {
  return {stratus_fis_model_begin, static_cast<size_t>(stratus_fis_model_end - stratus_fis_model_begin)};
}

std::string_view instance_connect_service_model() {
  return {stratus_instance_connect_model_begin,
          static_cast<size_t>(stratus_instance_connect_model_end - stratus_instance_connect_model_begin)};
}

std::string_view prices() {
  return {stratus_prices_begin, static_cast<size_t>(stratus_prices_end - stratus_prices_begin)};
}

std::string_view regions() {
  return {stratus_regions_begin, static_cast<size_t>(stratus_regions_end - stratus_regions_begin)};
}

std::string_view debian_image_recipe() {
  return {stratus_debian_recipe_begin, static_cast<size_t>(stratus_debian_recipe_end - stratus_debian_recipe_begin)};
}

std::string_view ec2_authorization() {
  return {stratus_ec2_authorization_begin,
          static_cast<size_t>(stratus_ec2_authorization_end - stratus_ec2_authorization_begin)};
}

}  // namespace stratus::embedded
