#pragma once
// The AWS service model (botocore's service-2.json), indexed for the wire layer.
// Names, list/structure encoding and XML element names all come from here.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace stratus::api {

struct Shape;

// The kinds of shape the model defines.
enum class ShapeType { kStructure, kList, kMap, kString, kInteger, kLong, kFloat, kDouble, kBoolean, kTimestamp, kBlob };

// The wire protocols of the models stratus serves.
enum class Protocol {
  kEc2,    // EC2's Query dialect: capitalised query names, <ActionResponse><requestId/>, <Response><Errors>
  kQuery,  // the Query protocol (STS, IAM): <ActionResponse><ActionResult/><ResponseMetadata/>, <ErrorResponse>
  kRestJson,  // REST with JSON bodies (EBS direct APIs): routes by method and path, members in the URI,
              // query string, headers or a JSON (or raw payload) body
  kRestXml,   // REST with XML bodies (S3): members in the URI, query string, headers or an XML (or raw
              // payload) body
  kJson,      // the JSON protocol (awsJson1.1: Cost Explorer, Budgets): POST /, the operation named by
              // X-Amz-Target (TARGETPREFIX.Operation), members in a JSON body, errors as {"__type"}
};

// Where a member of a REST request or response travels.
enum class Location {
  kBody,
  kUri,
  kQueryString,
  kHeader,
  kHeaders,  // a map, one header per key: its location name is the prefix (S3's "x-amz-meta-")
};

// One member of a structure, or the element of a list/map.
struct Member {
  std::string name;        // member name as used in typed requests/results (e.g. "VpcIds")
  const Shape* shape = nullptr;
  std::string query_name;  // name on the Query wire (EC2: queryName, else capitalised locationName, else name;
                           // Query protocol: locationName, else name)
  std::string xml_name;    // element name in XML responses (locationName, else name)
  Location location = Location::kBody;  // REST: where it travels
  std::string location_name;            // REST: its URI label, query parameter or header (else its JSON key)
};

// A shape of the model with everything resolved to pointers.
struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;
  std::vector<Member> members;                         // structure members, in model order
  std::unordered_map<std::string, size_t> by_query_name;  // structure: query name -> index in members
  std::vector<std::string> required;                   // structure: required member names
  Member element;                                      // list: element; map: value
  Member key;                                          // map: key
  bool flattened = false;                              // list/map rendered without a wrapper
  std::string list_step;                               // Query protocol list: the part before each index ("member"); EC2: ""
  Protocol protocol = Protocol::kEc2;                  // the wire dialect of the model it belongs to
  std::optional<int64_t> min, max;                     // integer/long range or string length
  std::vector<std::string> enum_values;                // string: allowed values (empty = any)
  std::string pattern;                                 // string: the regular expression values must match ("" = any)
  std::string payload;                                 // REST structure: the member that is the whole body ("" = JSON body)
  std::optional<int> error_status;                     // an exception shape: its HTTP status
};

// One operation (action) of the service.
struct Operation {
  std::string name;
  const Shape* input = nullptr;   // may be null
  const Shape* output = nullptr;  // may be null
  std::string http_method;        // REST: e.g. "GET"
  std::string request_uri;        // REST: path template, e.g. "/snapshots/{snapshotId}/blocks"
  int response_code = 200;        // REST: the status of a success
};

// An immutable, indexed service model. Thread-safe for concurrent reads.
class ServiceModel {
 public:
  // Parses a service-2.json document. Returns an error when it is not a model or its protocol
  // is not "ec2", "query", "rest-json" or "rest-xml".
  static Result<std::shared_ptr<const ServiceModel>> parse(std::string_view json_text);
  // Reads and parses a model file.
  static Result<std::shared_ptr<const ServiceModel>> load(const std::string& path);

  // The operation named `action`, or null when the model has none.
  const Operation* operation(std::string_view action) const;
  // The names of every operation, sorted.
  std::vector<std::string> operation_names() const;
  // The shape named `name`, or null.
  const Shape* shape(std::string_view name) const;
  // The HTTP status of error code `code` when the model defines an exception with that code
  // (its "error" code, or its shape name); else nullopt.
  std::optional<int> error_status(std::string_view code) const;
  // The XML namespace responses carry (e.g. "http://ec2.amazonaws.com/doc/2016-11-15/").
  const std::string& xml_namespace() const { return xml_namespace_; }
  // The API version string clients send as Version=.
  const std::string& api_version() const { return api_version_; }
  // How requests and responses are laid out on the wire.
  Protocol protocol() const { return protocol_; }
  // The service name SigV4 credential scopes carry (e.g. "ec2", "sts").
  const std::string& signing_name() const { return signing_name_; }
  // The JSON protocol's X-Amz-Target prefix ("AWSInsightsIndexService"), else "".
  const std::string& target_prefix() const { return target_prefix_; }

 private:
  std::string xml_namespace_;
  std::string api_version_;
  Protocol protocol_ = Protocol::kEc2;
  std::string signing_name_;
  std::string target_prefix_;
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
  std::unordered_map<std::string, Operation> operations_;
  std::unordered_map<std::string, int> error_statuses_;  // error code -> HTTP status
};

}  // namespace stratus::api
