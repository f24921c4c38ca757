#include "s3/s3_api.h"

#include <pugixml.hpp>
#include <set>

#include "api/query_api.h"
#include "api/query_decoder.h"
#include "api/rest_members.h"
#include "api/rest_xml.h"
#include "api/signer.h"
#include "api/xml_encoder.h"
#include "api/xml_text.h"
#include "common/ascii_case.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/timestamp.h"
#include "s3/aws_chunked.h"
#include "s3/sigv2.h"

namespace stratus::s3 {
namespace {

using nlohmann::json;

constexpr const char* kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
// The largest object one PutObject stores (S3's limit); larger ones go multipart.
constexpr uint64_t kMaxPutBytes = uint64_t{5} << 30;
// The region S3's global endpoint is in: where requests that name none (SigV2) go.
constexpr const char* kGlobalRegion = "us-east-1";

// The HTTP status S3 answers error `code` with.
int error_status(const std::string& code) {
  static const std::map<std::string, int> kStatuses = {
      {"AccessDenied", 403},          {"AllAccessDisabled", 403},       {"InvalidAccessKeyId", 403},
      {"SignatureDoesNotMatch", 403}, {"RequestTimeTooSkewed", 403},    {"InvalidObjectState", 403},
      {"NoSuchBucket", 404},          {"NoSuchKey", 404},               {"NoSuchUpload", 404},
      {"NoSuchVersion", 404},         {"NoSuchBucketPolicy", 404},      {"NoSuchTagSet", 404},
      {"NoSuchPublicAccessBlockConfiguration", 404},                    {"MethodNotAllowed", 405},
      {"BucketAlreadyExists", 409},   {"BucketAlreadyOwnedByYou", 409}, {"BucketNotEmpty", 409},
      {"OperationAborted", 409},      {"ConditionalRequestConflict", 409}, {"MissingContentLength", 411},
      {"PreconditionFailed", 412},    {"InvalidRange", 416},            {"NotModified", 304},
      {"PermanentRedirect", 301},     {"InternalError", 500},           {"NotImplemented", 501},
      {"SlowDown", 503},              {"ServiceUnavailable", 503}};
  auto it = kStatuses.find(code);
  return it == kStatuses.end() ? 400 : it->second;
}

// The root element of an operation's XML answer (the model does not name it).
std::string root_element(const std::string& action) {
  static const std::map<std::string, std::string> kRoots = {
      {"ListObjects", "ListBucketResult"},
      {"ListObjectsV2", "ListBucketResult"},
      {"ListBuckets", "ListAllMyBucketsResult"},
      {"GetBucketTagging", "Tagging"},
      {"GetObjectTagging", "Tagging"},
      {"GetBucketVersioning", "VersioningConfiguration"},
      {"DeleteObjects", "DeleteResult"},
      {"ListObjectVersions", "ListVersionsResult"},
      {"CreateMultipartUpload", "InitiateMultipartUploadResult"},
      {"CompleteMultipartUpload", "CompleteMultipartUploadResult"},
      {"ListParts", "ListPartsResult"},
      {"ListMultipartUploads", "ListMultipartUploadsResult"}};
  auto it = kRoots.find(action);
  return it == kRoots.end() ? action + "Result" : it->second;
}

// Where a request's bucket and key are: the Host names the bucket (virtual-hosted style), or
// the path's first segment does (path style).
struct Address {
  std::string bucket;
  std::string key;
  bool has_key = false;
};

// The bucket label of `host` (lower-case, no port) when it is BUCKET.s3[.REGION].DOMAIN for one
// of `domains`; "" when it is s3[.REGION].DOMAIN itself; nullopt when it is not an S3 name.
std::optional<std::string> virtual_bucket(const std::string& host, const std::vector<std::string>& domains) {
  for (const std::string& domain : domains) {
    if (host.size() <= domain.size() + 1 || host.compare(host.size() - domain.size(), domain.size(), domain) != 0 ||
        host[host.size() - domain.size() - 1] != '.') {
      continue;
    }
    std::string rest = host.substr(0, host.size() - domain.size() - 1);  // [BUCKET.]s3[.REGION]
    if (rest == "s3" || rest.rfind("s3.", 0) == 0) return std::string();
    size_t at = rest.rfind(".s3");
    if (at != std::string::npos && (at + 3 == rest.size() || rest[at + 3] == '.')) return rest.substr(0, at);
  }
  return std::nullopt;
}

// The host a request names, lower-case, without its port.
std::string host_name(const api::HttpRequest& request) {
  std::string host = ascii_lower(api::header_value(request.headers, "host").value_or(""));
  if (!host.empty() && host[0] == '[') return host;  // an IPv6 literal
  return host.substr(0, host.find(':'));
}

// The AccessDenied S3 gives anonymous requests that nothing allows.
ApiError anonymous_denied() { return ApiError{"AccessDenied", "Access Denied"}; }

}  // namespace

// Streams a PutObject body into an Upload: undoes aws-chunked framing (checking chunk and trailer
// signatures), checks the declared SHA-256 of the payload, then commits on the write thread.
class UploadSink : public api::BodySink {
 public:
  // `decoded_length`: the object's size an aws-chunked body declares (x-amz-decoded-content-length).
  UploadSink(S3Api& api, S3Api::Prepared prepared, std::unique_ptr<Upload> upload, std::optional<uint64_t> decoded_length,
             api::HttpServer::Responder respond)
      : api_(api),
        prepared_(std::move(prepared)),
        upload_(std::move(upload)),
        decoded_length_(decoded_length),
        respond_(std::move(respond)) {
    const std::string& declared = prepared_.payload_hash;
    hashing_ = is_sha256_hex(declared);
    if (auto form = chunked_form(declared)) {
      std::optional<ChunkSigning> signing;
      const api::SignatureClaim& c = prepared_.claim;
      if (*form != ChunkedForm::kUnsignedTrailer) {
        signing = ChunkSigning{api::signing_key(prepared_.secret, c.scope_date, c.region, c.service), c.amz_date,
                               c.scope_date + "/" + c.region + "/" + c.service + "/aws4_request", c.signature};
      }
      decoder_.emplace(*form, std::move(signing), [this](std::string_view bytes) { take(bytes); });
    }
  }

  bool write(std::string_view piece) override {
    if (decoder_) {
      auto fed = decoder_->feed(piece);
      if (!fed.ok()) return fail(fed.error());
    } else {
      take(piece);
    }
    if (failure_) return fail(*failure_);
    return true;
  }

  void finish() override {
    if (decoder_) {
      auto done = decoder_->finish();
      if (!done.ok()) return void(fail(done.error()));
    }
    if (hashing_ && to_hex(sha256_.finish()) != prepared_.payload_hash) {
      return void(fail({"XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed."}));
    }
    if (decoded_length_ && *decoded_length_ != upload_->size()) {
      return void(fail({"IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"}));
    }
    std::map<std::string, std::string> trailers;
    if (decoder_) trailers = decoder_->trailers();
    api_.uploads_.post({std::move(prepared_), std::shared_ptr<Upload>(std::move(upload_)), std::move(trailers), respond_});
  }

  void abort() override { upload_.reset(); }

 private:
  // Passes decoded object bytes on; the first failure is kept for write() to answer.
  void take(std::string_view bytes) {
    if (failure_) return;
    if (hashing_) sha256_.update(bytes);
    auto wrote = upload_->write(bytes);
    if (!wrote.ok()) failure_ = wrote.error();
  }

  // Answers `error` and stops the upload.
  bool fail(const ApiError& error) {
    upload_.reset();
    respond_(S3Api::render_error(error, prepared_.method, prepared_.resource, prepared_.request_id));
    return false;
  }

  S3Api& api_;
  S3Api::Prepared prepared_;
  std::unique_ptr<Upload> upload_;
  std::optional<uint64_t> decoded_length_;
  api::HttpServer::Responder respond_;
  std::optional<AwsChunkedDecoder> decoder_;
  bool hashing_ = false;
  DigestStream sha256_;
  std::optional<ApiError> failure_;
};

S3Api::S3Api(const api::ServiceModel& model, S3Service& service, account::KeyDirectory& keys,
             const ec2::Catalog& catalog, std::vector<std::string> domains)
    : model_(model),
      service_(service),
      keys_(keys),
      catalog_(catalog),
      domains_(std::move(domains)),
      routes_(model, [&service](std::string_view action) { return service.implements(action); }),
      writes_([](std::vector<std::function<void()>>& batch) {
        for (auto& work : batch) work();
      }),
      uploads_([this](std::vector<PendingUpload>& batch) { finish_uploads(batch); }) {
  domains_.push_back("amazonaws.com");
}

S3Api::~S3Api() = default;

bool S3Api::claims(const api::HttpRequest& request) const {
  if (virtual_bucket(host_name(request), domains_)) return true;
  if (auto authorization = api::header_value(request.headers, "authorization")) {
    return authorization->find("/s3/aws4_request") != std::string::npos || authorization->rfind("AWS ", 0) == 0;
  }
  size_t question = request.target.find('?');
  std::string query = question == std::string::npos ? "" : request.target.substr(question + 1);
  if (query.find("X-Amz-Credential=") != std::string::npos) return query.find("%2Fs3%2Faws4_request") != std::string::npos;
  // Unsigned: S3 when it names a bucket and is no Query API call.
  std::string path = request.target.substr(0, question);
  return path != "/" && path.rfind("/_stratus/", 0) != 0 && query.find("Action=") == std::string::npos;
}

std::variant<S3Api::Prepared, api::HttpResponse> S3Api::prepare(const api::HttpRequest& request, const std::string* body) {
  Prepared p;
  p.request_id = new_request_id();
  p.method = request.method;
  size_t question = request.target.find('?');
  std::string raw_path = request.target.substr(0, question);
  std::string raw_query = question == std::string::npos ? "" : request.target.substr(question + 1);
  Address address;
  auto host_bucket = virtual_bucket(host_name(request), domains_);
  bool virtual_style = host_bucket && !host_bucket->empty();
  if (virtual_style) {
    address.bucket = *host_bucket;
    address.key = api::percent_decode(raw_path.size() > 1 ? raw_path.substr(1) : "");
  } else {
    std::string path = raw_path.size() > 1 ? raw_path.substr(1) : "";
    size_t slash = path.find('/');
    address.bucket = api::percent_decode(path.substr(0, slash));
    address.key = slash == std::string::npos ? "" : api::percent_decode(path.substr(slash + 1));
  }
  address.has_key = !address.key.empty();
  p.resource = address.bucket.empty() ? "/" : "/" + address.bucket + (address.has_key ? "/" + address.key : "");
  auto refuse = [&](const ApiError& error) { return render_error(error, p.method, p.resource, p.request_id); };

  auto query = api::parse_form(raw_query);
  if (!query.ok()) return refuse({"InvalidArgument", query.error().message});
  api::SignedRequest signed_request{request.method, raw_path, raw_query, request.headers, body ? *body : ""};
  // SigV2 signs the resource as path style names it, whatever the addressing.
  std::string v2_resource = virtual_style ? "/" + address.bucket + (raw_path.empty() ? "/" : raw_path) : raw_path;
  api::Signer signer;
  if (auto refused = authenticate(signed_request, query.value(), v2_resource, address.bucket, body, p, signer)) {
    return std::move(*refused);
  }
  int64_t now = unix_now();
  if (auto problem = api::credential_problem(signer, p.claim, now)) {
    if (*problem == api::CredentialProblem::kExpiredToken) return refuse({"ExpiredToken", "The provided token has expired."});
    return refuse({"InvalidToken", "The provided token is malformed or otherwise invalid."});
  }
  const ec2::Region* region = catalog_.region(p.claim.region);
  if (region == nullptr || !region->enabled) {
    return refuse({"AuthorizationHeaderMalformed",
                   "The authorization header is malformed; the region '" + p.claim.region + "' is not served here."});
  }
  if (!signer.principal.anonymous) keys_.note_use(signer.principal.access_key_id, "s3", p.claim.region, now);

  auto operation = routes_.operation({request.method, !address.bucket.empty(), address.has_key, &query.value(), &request.headers});
  if (!operation) return refuse({"MethodNotAllowed", "The specified method is not allowed against this resource."});
  p.operation = model_.operation(*operation);
  if (p.operation == nullptr || !service_.implements(*operation)) {
    return refuse({"NotImplemented", "A header you provided implies functionality that is not implemented (" + *operation +
                                         " is not implemented by this stratus region yet)."});
  }
  std::map<std::string, std::string> labels;
  if (!address.bucket.empty()) labels["Bucket"] = address.bucket;
  if (address.has_key) labels["Key"] = address.key;
  auto typed = api::decode_rest_xml_request(*p.operation, labels, query.value(), request.headers, body ? *body : "");
  if (!typed.ok()) return refuse(typed.error());
  p.call = api::ServiceCall{*operation,       p.claim.region,         signer.account_id, std::move(typed.value()),
                            signer.principal, request.remote_address, api::source_vpc(request)};
  // A bucket is served by its own region's endpoint: clients learn it from the redirect and retry.
  if (!address.bucket.empty() && *operation != "CreateBucket") {
    auto home = service_.bucket_region(address.bucket);
    if (home && *home != p.claim.region) {
      api::HttpResponse moved = refuse({"PermanentRedirect",
                                        "The bucket you are attempting to access must be addressed using the specified "
                                        "endpoint. Please send all future requests to this endpoint."});
      moved.headers.emplace_back("x-amz-bucket-region", *home);
      return moved;
    }
  }
  if (authorizer_ != nullptr) {
    if (auto denied = authorizer_->authorize(p.call, "s3")) return refuse({"AccessDenied", denied->message});
  }
  return p;
}

std::optional<api::HttpResponse> S3Api::authenticate(const api::SignedRequest& request, const api::QueryParams& query,
                                                    const std::string& v2_resource, const std::string& bucket,
                                                    const std::string* body, Prepared& p, api::Signer& signer) {
  auto refuse = [&](const ApiError& error, const Details& details = {}) {
    return render_error(error, p.method, p.resource, p.request_id, details);
  };
  auto declared = api::header_value(request.headers, "x-amz-content-sha256");
  p.payload_hash = declared.value_or("UNSIGNED-PAYLOAD");
  bool hex_hash = is_sha256_hex(p.payload_hash);
  auto v2 = parse_sigv2(request, query);
  auto v4 = v2 ? Result<api::SignatureClaim>(api::SignatureClaim{}) : api::parse_signature(request);
  if (v2 || !v4.ok()) {  // SigV2 or anonymous: no region named, no payload signed
    if (v4.ok() || v4.error().code == "MissingAuthenticationToken") {
      // The bucket's own region, else the one S3's global endpoint is in.
      p.claim.service = "s3";
      p.claim.region = service_.bucket_region(bucket).value_or(kGlobalRegion);
      if (!hex_hash && p.payload_hash != "UNSIGNED-PAYLOAD") {
        return refuse({"InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value."});
      }
    }
    if (v2) {
      if (!v2->ok()) return refuse(v2->error());
      std::string to_sign = sigv2_string_to_sign(request, query, v2->value(), v2_resource);
      auto verified = verify_sigv2(v2->value(), to_sign, api::signer_lookup(keys_, signer), unix_now());
      if (!verified.ok() && verified.error().code == "SignatureDoesNotMatch") {
        return refuse(verified.error(), {{"AWSAccessKeyId", v2->value().access_key_id},
                                         {"StringToSign", to_sign},
                                         {"SignatureProvided", v2->value().signature}});
      }
      if (!verified.ok()) return refuse(verified.error());
      p.claim.access_key_id = verified.value().access_key_id;
      p.claim.presigned = verified.value().presigned;
      p.claim.security_token = verified.value().security_token;
    } else if (v4.error().code == "MissingAuthenticationToken") {
      if (authorizer_ == nullptr) return refuse(anonymous_denied());  // nothing could allow it
      signer.principal.anonymous = true;
    } else {
      return refuse({"AuthorizationHeaderMalformed", "The authorization header is malformed; " + v4.error().message});
    }
  } else if (auto refused = verify_v4(request, v4.value(), declared.has_value(), p, signer)) {
    return refused;
  }
  // A body read whole is checked here; a streamed one as it arrives (UploadSink).
  if (body != nullptr && (chunked_form(p.payload_hash) || (hex_hash && to_hex(sha256(*body)) != p.payload_hash))) {
    return refuse({"XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."});
  }
  p.secret = signer.secret;
  return std::nullopt;
}

std::optional<api::HttpResponse> S3Api::verify_v4(const api::SignedRequest& request, const api::SignatureClaim& claim,
                                                 bool declared, Prepared& p, api::Signer& signer) {
  auto refuse = [&](const ApiError& error, const Details& details = {}) {
    return render_error(error, p.method, p.resource, p.request_id, details);
  };
  if (claim.service != "s3") {
    return refuse({"AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service \"" +
                                                       claim.service + "\". This endpoint belongs to \"s3\"."});
  }
  if (!declared && !claim.presigned) {
    return refuse({"InvalidRequest", "Missing required header for this request: x-amz-content-sha256"});
  }
  if (!is_sha256_hex(p.payload_hash) && p.payload_hash != "UNSIGNED-PAYLOAD" && !chunked_form(p.payload_hash)) {
    return refuse(
        {"InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING- form, or a valid sha256 value."});
  }
  auto verified =
      api::verify_declared_payload(request, claim, api::signer_lookup(keys_, signer), unix_now(), p.payload_hash);
  if (verified.ok()) {
    p.claim = verified.value();
    return std::nullopt;
  }
  const ApiError& e = verified.error();
  bool mismatch = e.code == "AuthFailure" && e.message.rfind("AWS was not able", 0) == 0;
  if (mismatch && !signer.found) {
    return refuse({"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."});
  }
  if (e.code == "RequestExpired") {
    if (claim.presigned) return refuse({"AccessDenied", "Request has expired"});
    return refuse({"RequestTimeTooSkewed", "The difference between the request time and the current time is too large."});
  }
  if (!mismatch) return refuse({"AuthorizationHeaderMalformed", "The authorization header is malformed; " + e.message});
  std::string canonical = api::canonical_request(request, claim, p.payload_hash);
  return refuse({"SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. Check your key and "
                 "signing method."},
                {{"AWSAccessKeyId", claim.access_key_id},
                 {"StringToSign", api::string_to_sign(claim, canonical)},
                 {"SignatureProvided", claim.signature},
                 {"CanonicalRequest", canonical}});
}

api::HttpResponse S3Api::refuse(api::Refusal refusal, const std::string& detail, const api::HttpRequest& header) {
  const char* code = "InvalidRequest";
  if (refusal == api::Refusal::kTooLarge) code = "EntityTooLarge";
  if (refusal == api::Refusal::kTimedOut) code = "RequestTimeout";
  if (refusal == api::Refusal::kOverCapacity) code = "SlowDown";
  std::string path = header.target.substr(0, header.target.find('?'));
  return render_error({code, detail}, header.method, api::percent_decode(path), new_request_id());
}

api::HttpResponse S3Api::render_error(const ApiError& error, const std::string& method, const std::string& resource,
                                      const std::string& request_id, const Details& details) {
  api::HttpResponse response;
  response.status = error_status(error.code);
  response.request_id = request_id;
  response.headers.emplace_back("x-amz-request-id", request_id);
  if (method == "HEAD" || response.status == 304) {
    response.content_type = "";
    return response;  // no body, as S3 (clients read the status alone)
  }
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("Error");
  root.append_child("Code").text().set(error.code.c_str());
  root.append_child("Message").text().set(api::to_xml_text(error.message).c_str());
  if (error.code == "NoSuchBucket" && resource.size() > 1) {
    root.append_child("BucketName").text().set(api::to_xml_text(resource.substr(1, resource.find('/', 1) - 1)).c_str());
  }
  if (error.code == "NoSuchKey") {
    size_t slash = resource.find('/', 1);
    if (slash != std::string::npos) root.append_child("Key").text().set(api::to_xml_text(resource.substr(slash + 1)).c_str());
  }
  for (const auto& [name, value] : details) root.append_child(name.c_str()).text().set(api::to_xml_text(value).c_str());
  root.append_child("Resource").text().set(api::to_xml_text(resource).c_str());
  root.append_child("RequestId").text().set(request_id.c_str());
  response.content_type = "application/xml";
  response.body = api::render_xml_document(doc);
  return response;
}

api::HttpResponse S3Api::render(const Prepared& p, const Result<Answer>& outcome) const {
  if (!outcome.ok()) return render_error(outcome.error(), p.method, p.resource, p.request_id);
  const Answer& answer = outcome.value();
  api::HttpResponse response;
  if (p.call.action == "GetBucketLocation") {
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("LocationConstraint");
    root.append_attribute("xmlns").set_value(kXmlns);
    std::string region = answer.result.value("LocationConstraint", "");
    if (!region.empty()) root.text().set(region.c_str());
    response.content_type = "application/xml";
    response.body = api::render_xml_document(doc);
  } else {
    response = api::encode_rest_xml_response(*p.operation, answer.result, root_element(p.call.action), kXmlns);
  }
  if (answer.status != 0) response.status = answer.status;
  response.request_id = p.request_id;
  response.headers.emplace_back("x-amz-request-id", p.request_id);
  if (p.method == "HEAD") {
    response.body.clear();
    response.announced_length = answer.result.value("ContentLength", uint64_t{0});
  } else if (answer.body) {
    response.file = answer.body;
  }
  return response;
}

void S3Api::finish_uploads(std::vector<PendingUpload>& batch) {
  std::vector<S3Service::FinishedUpload> finished;
  for (PendingUpload& pending : batch) finished.push_back({pending.upload.get(), pending.trailers});
  std::vector<Result<Answer>> answers;
  try {
    answers = service_.finish_uploads(finished);
  } catch (const std::exception& e) {  // the store failed: every upload of the batch fails
    answers.assign(batch.size(), Result<Answer>(ApiError{"InternalError", e.what()}));
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].respond(render(batch[i].prepared, answers[i]));
}

void S3Api::handle(const api::HttpRequest& request, const api::HttpServer::Responder& respond) {
  auto prepared = prepare(request, &request.body);
  if (auto* answer = std::get_if<api::HttpResponse>(&prepared)) return respond(std::move(*answer));
  Prepared& p = std::get<Prepared>(prepared);
  if (p.method == "GET" || p.method == "HEAD") return respond(render(p, service_.call(p.call)));
  writes_.post([this, p = std::move(p), respond]() { respond(render(p, service_.call(p.call))); });
}

std::shared_ptr<api::BodySink> S3Api::intake(const api::HttpRequest& header, const api::HttpServer::Responder& respond) {
  if (header.method != "PUT" || !claims(header) || api::header_value(header.headers, "x-amz-copy-source")) return nullptr;
  // Only object and part uploads stream: a PUT on a key with no subresource but a part's.
  size_t question = header.target.find('?');
  if (question != std::string::npos) {
    auto query = api::parse_form(header.target.substr(question + 1));
    if (!query.ok()) return nullptr;
    // Signature parameters (SigV4's X-Amz-*, SigV2's) are no subresource.
    static const std::set<std::string> kPlain = {"partNumber", "uploadId", "AWSAccessKeyId", "Signature", "Expires"};
    bool subresource = false;
    for (const auto& [name, value] : query.value()) {
      bool signing = name.rfind("X-Amz-", 0) == 0 || ascii_lower(name).rfind("x-amz-", 0) == 0;
      subresource = subresource || (!signing && !kPlain.count(name));
    }
    if (subresource) return nullptr;
  }
  auto prepared = prepare(header, nullptr);
  if (auto* answer = std::get_if<api::HttpResponse>(&prepared)) {
    respond(std::move(*answer));
    return nullptr;
  }
  Prepared& p = std::get<Prepared>(prepared);
  if (p.call.action != "PutObject" && p.call.action != "UploadPart") return nullptr;
  auto refuse = [&](const ApiError& error) {
    respond(render_error(error, p.method, p.resource, p.request_id));
    return nullptr;
  };
  auto length = api::header_value(header.headers, "content-length");
  auto decoded = api::header_value(header.headers, "x-amz-decoded-content-length");
  bool chunked_transfer = api::header_value(header.headers, "transfer-encoding").has_value();
  if (!length && !chunked_transfer) return refuse({"MissingContentLength", "You must provide the Content-Length HTTP header."});
  bool chunked = chunked_form(p.payload_hash).has_value();
  if (chunked && !decoded) return refuse({"MissingContentLength", "You must provide the x-amz-decoded-content-length header."});
  uint64_t size = 0;
  try {
    size = std::stoull(chunked ? *decoded : length.value_or("0"));
  } catch (const std::exception&) {
    return refuse({"InvalidArgument", "Invalid Content-Length or x-amz-decoded-content-length."});
  }
  if (size > kMaxPutBytes) {  // a part's limit too
    return refuse({"EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"});
  }
  auto upload = service_.begin_upload(p.call, ascii_lower(api::header_value(header.headers, "x-amz-trailer").value_or("")));
  if (!upload.ok()) return refuse(upload.error());
  return std::make_shared<UploadSink>(*this, std::move(p), std::move(upload.value()),
                                      chunked ? std::optional<uint64_t>(size) : std::nullopt, respond);
}

}  // namespace stratus::s3
