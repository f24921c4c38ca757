#pragma once
// What S3's block public access settings look at: public bucket policies and public canned ACLs.

#include <nlohmann/json.hpp>
#include <string>

namespace stratus::s3 {

// True when bucket policy `policy` (a document PutBucketPolicy accepted) grants anything to
// everyone: a statement that allows a principal of "*" without a Condition narrowing it.
bool public_policy(const std::string& policy);

// True when `request` (an upload's typed request) gives the object a public canned ACL
// (public-read, public-read-write, authenticated-read).
bool public_acl(const nlohmann::json& request);

}  // namespace stratus::s3
