#pragma once
// S3's HTTP endpoint: tells S3 requests from the Query APIs' (by the signature's scope, the
// Host, or the absence of any signature on a bucket path), finds the bucket and key (path
// style, or virtual-hosted under the S3 domains), authenticates SigV4 as S3 signs it (the path
// as sent; x-amz-content-sha256 declaring the payload: a hash, UNSIGNED-PAYLOAD or an
// aws-chunked stream; presigned URLs), routes and decodes with the model, authorizes, runs the
// call, and answers in S3's wire form (bare <Error> bodies, none for HEAD).
//
// PutObject bodies stream: the HTTP server hands the header to intake(), which checks everything
// the header decides and returns a sink that decodes aws-chunked framing, verifies the payload
// hash and chunk signatures, and writes the object as it arrives. Writes run on a worker thread
// of their own, off the event loops.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "api/http_server.h"
#include "api/http_types.h"
#include "api/query_service.h"
#include "api/query_decoder.h"
#include "api/signer.h"
#include "api/sigv4.h"
#include "api/service_model.h"
#include "common/batch_worker.h"
#include "s3/routes.h"
#include "s3/s3_service.h"
#include "services/account/account.h"
#include "services/ec2/catalog.h"

namespace stratus::s3 {

class S3Api {
 public:
  // `domains`: the DNS names under which buckets are addressed virtual-hosted style
  // (BUCKET.s3.REGION.DOMAIN), besides amazonaws.com. REQUIRES: every argument outlives the api.
  S3Api(const api::ServiceModel& model, S3Service& service, account::KeyDirectory& keys, const ec2::Catalog& catalog,
        std::vector<std::string> domains);
  ~S3Api();

  // True when `request` (its header is enough) is for S3.
  bool claims(const api::HttpRequest& request) const;
  // The HTTP server's intake for S3 requests: a sink for a PutObject body, an answer given at once
  // when the header already fails, or null (read the body whole and pass it to handle()).
  std::shared_ptr<api::BodySink> intake(const api::HttpRequest& header, const api::HttpServer::Responder& respond);
  // Answers an S3 request read whole.
  void handle(const api::HttpRequest& request, const api::HttpServer::Responder& respond);

  // Makes every call pass `authorizer` (service "s3"). REQUIRES: before the first request.
  void set_authorizer(api::CallAuthorizer* authorizer) { authorizer_ = authorizer; }

  // The answer to an S3 request (`header`) the HTTP server refuses on its own, in S3's form:
  // EntityTooLarge, RequestTimeout, InvalidRequest or SlowDown, with `detail` as the message.
  static api::HttpResponse refuse(api::Refusal refusal, const std::string& detail, const api::HttpRequest& header);

  // Elements an <Error> carries besides Code and Message (e.g. StringToSign), in order.
  using Details = std::vector<std::pair<std::string, std::string>>;
  // Sends a request that failed as S3 does: `error` as a bare <Error> document with `details`,
  // naming `resource` (no body for HEAD), with S3's status for its code. Exposed for the upload sink.
  static api::HttpResponse render_error(const ApiError& error, const std::string& method, const std::string& resource,
                                        const std::string& request_id, const Details& details = {});

 private:
  friend class UploadSink;
  // A request authenticated, routed, decoded and authorized, ready to run.
  struct Prepared {
    std::string request_id;
    std::string method;
    std::string resource;  // "/bucket/key", for errors
    const api::Operation* operation = nullptr;
    api::ServiceCall call;
    api::SignatureClaim claim;  // verified
    std::string secret;         // the signing key's secret (for chunk signatures)
    std::string payload_hash;   // x-amz-content-sha256 as declared (UNSIGNED-PAYLOAD when presigned)
  };
  // Authenticates, routes, decodes and authorizes `request`; `body` is its body when read whole
  // (else null: a streamed upload, whose payload hash is checked as it arrives). Else the answer.
  std::variant<Prepared, api::HttpResponse> prepare(const api::HttpRequest& request, const std::string* body);
  // Checks `request`'s signature, SigV4 or SigV2 (`v2_resource`: the path SigV2 signs; `bucket`:
  // whose region a SigV2 or unsigned request is in), and a body read whole against its declared
  // hash. An unsigned request is let through as anonymous (signer.principal.anonymous) for the
  // authorizer to judge. Sets p.claim, p.secret, p.payload_hash and `signer`; else the refusal.
  std::optional<api::HttpResponse> authenticate(const api::SignedRequest& request, const api::QueryParams& query,
                                                const std::string& v2_resource, const std::string& bucket,
                                                const std::string* body, Prepared& p, api::Signer& signer);
  // authenticate() for a SigV4 `claim` (`declared`: the request carries x-amz-content-sha256,
  // already in p.payload_hash): checks it and sets p.claim; else the refusal.
  std::optional<api::HttpResponse> verify_v4(const api::SignedRequest& request, const api::SignatureClaim& claim,
                                             bool declared, Prepared& p, api::Signer& signer);
  // The HTTP response for a call's outcome.
  api::HttpResponse render(const Prepared& prepared, const Result<Answer>& outcome) const;
  // An upload whose body arrived, waiting to be committed with the others that arrived meanwhile.
  struct PendingUpload {
    Prepared prepared;
    std::shared_ptr<Upload> upload;
    std::map<std::string, std::string> trailers;
    api::HttpServer::Responder respond;
  };
  // Commits a batch of uploads together (S3Service::finish_uploads) and answers each.
  void finish_uploads(std::vector<PendingUpload>& batch);

  const api::ServiceModel& model_;
  S3Service& service_;
  account::KeyDirectory& keys_;
  const ec2::Catalog& catalog_;
  std::vector<std::string> domains_;
  Routes routes_;
  api::CallAuthorizer* authorizer_ = nullptr;
  BatchWorker<std::function<void()>> writes_;  // every other change, in arrival order
  BatchWorker<PendingUpload> uploads_;          // last members: their threads may use the others
};

}  // namespace stratus::s3
