#include "services/ec2/iam_instance_profiles.h"

#include "common/ids.h"
#include "common/timestamp.h"
#include "model/iam.h"
#include "services/ec2/describe.h"
#include "services/ec2/instance_records.h"
#include "services/ec2/resources.h"
#include "services/iam/instance_profiles.h"
#include "services/iam/sessions.h"

namespace stratus::ec2 {
namespace {

using compute::InstanceState;

// The profile an IamInstanceProfileSpecification names: {Arn, Id}.
json profile_of(CallContext& ctx, const json& specification) {
  std::string arn = specification.value("Arn", "");
  std::string name = specification.value("Name", "");
  if (arn.empty() && name.empty()) {
    fail("InvalidParameterValue", "Value () for parameter iamInstanceProfile is invalid. The instance profile must be "
                                  "given by Arn or Name.");
  }
  if (auto profile = iam::profile_by_specification(ctx.txn, ctx.account_id, specification)) {
    return {{"Arn", model::instance_profile_arn(*profile)}, {"Id", profile->id}};
  }
  if (!name.empty()) {
    fail("InvalidParameterValue",
         "Value (" + name + ") for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name");
  }
  fail("InvalidParameterValue",
       "Value (" + arn + ") for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN");
}

// The association of `instance` as the API shows it, in `state`.
json association_view(const model::Instance& instance, const std::string& state) {
  return {{"AssociationId", instance.spec.iam_association_id},
          {"InstanceId", instance.id()},
          {"IamInstanceProfile", instance.api.value("IamInstanceProfile", json::object())},
          {"State", state},
          {"Timestamp", instance.spec.iam_associated_at}};
}

// The instance whose association is `association_id`; InvalidAssociationID.NotFound when none.
model::Instance require_association(CallContext& ctx, const std::string& association_id) {
  for (model::Instance& instance : list_instances(ctx)) {
    if (!association_id.empty() && instance.spec.iam_association_id == association_id) return std::move(instance);
  }
  fail("InvalidAssociationID.NotFound", "An association ID '" + association_id + "' does not exist.");
}

json associate(CallContext& ctx, const json& request) {
  model::Instance instance = require_instance(ctx, str(request, "InstanceId"));
  InstanceState state = instance.status.state;
  if (state == InstanceState::kTerminated || state == InstanceState::kShuttingDown) {
    fail("IncorrectInstanceState", "The instance '" + instance.id() + "' is not in a valid state for this operation.");
  }
  if (!instance.spec.iam_association_id.empty()) {
    fail("IncorrectState", "There is an existing association for instance " + instance.id());
  }
  associate_profile(ctx, instance, request["IamInstanceProfile"]);
  save_instance(ctx, instance);
  return {{"IamInstanceProfileAssociation", association_view(instance, "associating")}};
}

json disassociate(CallContext& ctx, const json& request) {
  model::Instance instance = require_association(ctx, str(request, "AssociationId"));
  json view = association_view(instance, "disassociating");
  end_profile_association(ctx, instance, false);
  save_instance(ctx, instance);
  return {{"IamInstanceProfileAssociation", view}};
}

json replace(CallContext& ctx, const json& request) {
  model::Instance instance = require_association(ctx, str(request, "AssociationId"));
  json profile = profile_of(ctx, request["IamInstanceProfile"]);  // checked before anything changes
  end_profile_association(ctx, instance, false);
  associate_profile(ctx, instance, profile);
  save_instance(ctx, instance);
  return {{"IamInstanceProfileAssociation", association_view(instance, "associating")}};
}

json describe(CallContext& ctx, const json& request) {
  static const FilterTable kFilters = {{"instance-id", field("InstanceId")}, {"state", field("State")}};
  std::vector<json> items;
  std::vector<std::string> wanted = request.value("AssociationIds", std::vector<std::string>{});
  for (const std::string& id : wanted) require_association(ctx, id);
  for (const model::Instance& instance : list_instances(ctx)) {
    const std::string& id = instance.spec.iam_association_id;
    if (id.empty() || (!wanted.empty() && std::find(wanted.begin(), wanted.end(), id) == wanted.end())) continue;
    items.push_back(association_view(instance, "associated"));
  }
  return describe_values(std::move(items), request, kFilters, "IamInstanceProfileAssociations", false,
                         member_key("AssociationId"));
}

}  // namespace

void associate_profile(CallContext& ctx, model::Instance& instance, const json& specification) {
  instance.api["IamInstanceProfile"] = profile_of(ctx, specification);
  instance.spec.iam_association_id = new_resource_id("iip-assoc");
  instance.spec.iam_associated_at = format_iso8601(ctx.now);
}

void end_profile_association(CallContext& ctx, model::Instance& instance, bool ended) {
  instance.api.erase("IamInstanceProfile");
  instance.spec.iam_association_id.clear();
  instance.spec.iam_associated_at.clear();
  iam::revoke_instance_sessions(ctx.txn, instance.id(), ended);
}

void add_iam_instance_profile_actions(ActionTable& table) {
  table["AssociateIamInstanceProfile"] = {associate, true};
  table["DisassociateIamInstanceProfile"] = {disassociate, true};
  table["ReplaceIamInstanceProfileAssociation"] = {replace, true};
  table["DescribeIamInstanceProfileAssociations"] = {describe, false};
}

}  // namespace stratus::ec2
