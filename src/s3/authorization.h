#pragma once
// The IAM view of an S3 call: which s3: actions it needs on which resources (a bucket's ARN, an
// object's), with S3's condition keys, and the bucket policy evaluated beside the caller's own
// policies (same account: either may allow, an explicit deny in either wins).

#include <vector>

#include "api/query_service.h"
#include "iam/evaluator.h"
#include "s3/s3_service.h"

namespace stratus::s3 {

// The resources `call` acts on (an S3 call, with member names of its input shape), each with the
// action it needs there (ListObjectsV2 needs s3:ListBucket on the bucket, CopyObject s3:GetObject
// on the source and s3:PutObject on the copy), its condition keys (s3:prefix, s3:delimiter,
// s3:max-keys, s3:x-amz-acl, s3:x-amz-copy-source, ...) and its bucket's policy from `service`.
std::vector<iam::RequestResource> s3_resources(const api::ServiceCall& call, const S3Service& service);

// Nothing when `policy` is a bucket policy S3 would keep for `bucket`: a resource policy whose
// every resource is the bucket or objects in it; else MalformedPolicy's message.
std::optional<std::string> bucket_policy_problem(const std::string& policy, const std::string& bucket);

}  // namespace stratus::s3
