// libFuzzer target: arbitrary bytes at S3's wire layer. The first byte chooses what they are fed
// to: an aws-chunked body (unsigned-trailer or signed form, in pieces the second byte sizes), or
// an S3 request (first line: method and path, second the query string, third one header, the rest
// the body) routed by the model, decoded with rest-xml and its answer encoded back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/query_decoder.h"
#include "api/rest_members.h"
#include "api/rest_xml.h"
#include "api/service_model.h"
#include "api/sigv4.h"
#include "common/embedded.h"
#include "s3/aws_chunked.h"
#include "s3/routes.h"

namespace {

const stratus::api::ServiceModel& model() {
  static auto parsed = stratus::api::ServiceModel::parse(stratus::embedded::s3_service_model());
  return *parsed.value();
}

const stratus::s3::Routes& routes() {
  static stratus::s3::Routes routes(model(), [](std::string_view) { return true; });
  return routes;
}

// The text up to the next newline of `rest` (which loses it and the newline).
std::string_view take_line(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

void chunked(std::string_view body, bool signed_form, size_t piece) {
  using namespace stratus::s3;
  std::optional<ChunkSigning> signing;
  if (signed_form) {
    signing = ChunkSigning{stratus::api::signing_key("secret", "20261202", "us-east-1", "s3"), "20261202T000000Z",
                           "20261202/us-east-1/s3/aws4_request", std::string(64, '0')};
  }
  size_t decoded = 0;
  AwsChunkedDecoder decoder(signed_form ? ChunkedForm::kSignedTrailer : ChunkedForm::kUnsignedTrailer, signing,
                            [&](std::string_view bytes) { decoded += bytes.size(); }, 4096);
  for (size_t at = 0; at < body.size(); at += piece) {
    if (!decoder.feed(body.substr(at, piece)).ok()) return;
  }
  (void)decoder.finish();
}

void request(std::string_view rest) {
  std::string_view request_line = take_line(rest);
  std::string_view query_text = take_line(rest);
  std::string_view header = take_line(rest);
  size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return;
  std::string method(request_line.substr(0, space));
  std::string path(request_line.substr(space + 1));
  if (path.empty() || path[0] != '/') return;  // the server's parser gives every target a leading '/'
  auto query = stratus::api::parse_form(query_text);
  if (!query.ok()) return;
  std::vector<std::pair<std::string, std::string>> headers;
  size_t colon = header.find(':');
  if (colon != std::string_view::npos) headers.emplace_back(header.substr(0, colon), header.substr(colon + 1));
  size_t slash = path.find('/', 1);
  std::string bucket = stratus::api::percent_decode(path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1));
  std::string key = slash == std::string::npos ? "" : stratus::api::percent_decode(path.substr(slash + 1));
  auto operation = routes().operation({method, !bucket.empty(), !key.empty(), &query.value(), &headers});
  if (!operation) return;
  const stratus::api::Operation* op = model().operation(*operation);
  std::map<std::string, std::string> labels{{"Bucket", bucket}};
  if (!key.empty()) labels["Key"] = key;
  auto typed = stratus::api::decode_rest_xml_request(*op, labels, query.value(), headers, std::string(rest));
  if (!typed.ok()) return;
  stratus::api::encode_rest_xml_response(*op, typed.value(), "Result", "ns");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (data[0] % 3) {
    case 0: chunked(rest, false, 1 + data[1] % 64); break;
    case 1: chunked(rest, true, 1 + data[1] % 64); break;
    default: request(rest); break;
  }
  return 0;
}
