#include "s3/aws_chunked.h"

#include <gtest/gtest.h>

#include <sstream>

#include "api/sigv4.h"

namespace stratus::s3 {
namespace {

// AWS's documented examples (the S3 API reference, "Signature calculation: transfer payload in
// multiple chunks", with and without a trailer): the example secret, 66,560 bytes of 'a' in chunks
// of 65,536 and 1,024 bytes, and the signatures the documentation gives.
const std::string kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

ChunkSigning example_signing(const std::string& seed) {
  return {api::signing_key(kSecret, "20130524", "us-east-1", "s3"), "20130524T000000Z",
          "20130524/us-east-1/s3/aws4_request", seed};
}

std::string chunk(size_t size, const std::string& signature) {
  std::stringstream hex;
  hex << std::hex << size;
  std::string header = hex.str() + (signature.empty() ? "" : ";chunk-signature=" + signature) + "\r\n";
  return size == 0 ? header : header + std::string(size, 'a') + "\r\n";
}

// Feeds `body` in pieces of `piece` bytes; returns the first error, or what finish() says.
Result<bool> decode(AwsChunkedDecoder& decoder, const std::string& body, size_t piece) {
  for (size_t at = 0; at < body.size(); at += piece) {
    auto fed = decoder.feed(std::string_view(body).substr(at, piece));
    if (!fed.ok()) return fed;
  }
  return decoder.finish();
}

const std::string kSignedBody = chunk(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648") +
                                chunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") +
                                chunk(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9") + "\r\n";
const std::string kSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

TEST(AwsChunked, DecodesAwsSignedExampleInAnyPieces) {
  for (size_t piece : {1ul, 7ul, 4096ul, kSignedBody.size()}) {
    std::string out;
    AwsChunkedDecoder decoder(ChunkedForm::kSigned, example_signing(kSeed), [&](std::string_view d) { out += d; });
    auto result = decode(decoder, kSignedBody, piece);
    ASSERT_TRUE(result.ok()) << piece << ": " << result.error().message;
    EXPECT_EQ(out, std::string(66560, 'a'));
    EXPECT_EQ(decoder.decoded_size(), 66560u);
  }
}

TEST(AwsChunked, RefusesAlteredDataSignaturesAndSeeds) {
  std::string altered = kSignedBody;
  altered[70000 - 66560 + 100] = 'b';  // inside the first chunk's data
  AwsChunkedDecoder decoder(ChunkedForm::kSigned, example_signing(kSeed), [](std::string_view) {});
  auto result = decode(decoder, altered, 1000);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "SignatureDoesNotMatch");
  AwsChunkedDecoder other_seed(ChunkedForm::kSigned, example_signing(std::string(64, '0')), [](std::string_view) {});
  EXPECT_EQ(decode(other_seed, kSignedBody, 4096).error().code, "SignatureDoesNotMatch");
  // Chunks moved around: each signature chains to the one before.
  std::string swapped = chunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") +
                        chunk(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  AwsChunkedDecoder reordered(ChunkedForm::kSigned, example_signing(kSeed), [](std::string_view) {});
  EXPECT_EQ(decode(reordered, swapped, 4096).error().code, "SignatureDoesNotMatch");
}

TEST(AwsChunked, DecodesAwsSignedTrailerExample) {
  std::string body = chunk(65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2") +
                     chunk(1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7") +
                     chunk(0, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992") +
                     "x-amz-checksum-crc32c:sOO8/Q==\r\n"
                     "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n";
  std::string seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  AwsChunkedDecoder decoder(ChunkedForm::kSignedTrailer, example_signing(seed), [](std::string_view) {});
  auto result = decode(decoder, body, 333);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(decoder.trailers(), (std::map<std::string, std::string>{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
  std::string forged = body;
  forged.replace(forged.find("sOO8"), 4, "AAAA");
  AwsChunkedDecoder checked(ChunkedForm::kSignedTrailer, example_signing(seed), [](std::string_view) {});
  EXPECT_EQ(decode(checked, forged, 333).error().code, "SignatureDoesNotMatch");
}

// What boto3 sends over HTTPS (observed): unsigned chunks and a CRC32 trailer.
TEST(AwsChunked, DecodesUnsignedTrailer) {
  std::string out;
  AwsChunkedDecoder decoder(ChunkedForm::kUnsignedTrailer, std::nullopt, [&](std::string_view d) { out += d; });
  auto result = decode(decoder, "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", 5);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(out, "hello world");
  EXPECT_EQ(decoder.trailers().at("x-amz-checksum-crc32"), "DUoRhQ==");
}

TEST(AwsChunked, RefusesMalformedOrIncompleteBodies) {
  auto code_of = [](ChunkedForm form, const std::string& body, size_t max_chunk = 1 << 20) {
    AwsChunkedDecoder decoder(form, std::nullopt, [](std::string_view) {}, max_chunk);
    auto result = decode(decoder, body, 3);
    return result.ok() ? std::string("ok") : result.error().code;
  };
  const ChunkedForm unsigned_form = ChunkedForm::kUnsignedTrailer;
  EXPECT_EQ(code_of(unsigned_form, "b\r\nhello world\r\n0\r\n\r\n"), "ok");
  EXPECT_EQ(code_of(unsigned_form, "b\r\nhello world\r\n0\r\n"), "IncompleteBody");
  EXPECT_EQ(code_of(unsigned_form, "b\r\nhello"), "IncompleteBody");
  EXPECT_EQ(code_of(unsigned_form, "zz\r\nhello world\r\n0\r\n\r\n"), "InvalidRequest");
  EXPECT_EQ(code_of(unsigned_form, "3\r\nhello\r\n0\r\n\r\n"), "InvalidRequest");  // longer than its size
  EXPECT_EQ(code_of(unsigned_form, "b\nhello world\r\n0\r\n\r\n"), "InvalidRequest");  // no CR
  EXPECT_EQ(code_of(unsigned_form, "b;chunk-signature=ab\r\nhello world\r\n0\r\n\r\n"), "InvalidRequest");
  EXPECT_EQ(code_of(unsigned_form, "b\r\nhello world\r\n0\r\n\r\nmore"), "InvalidRequest");
  EXPECT_EQ(code_of(unsigned_form, "b\r\nhello world\r\n0\r\n\r\n", 4), "InvalidRequest");  // chunk too large
  EXPECT_EQ(code_of(unsigned_form, "0\r\nno-colon\r\n\r\n"), "InvalidRequest");
  EXPECT_THROW(AwsChunkedDecoder(ChunkedForm::kSigned, std::nullopt, [](std::string_view) {}), std::invalid_argument);
  EXPECT_EQ(chunked_form("STREAMING-UNSIGNED-PAYLOAD-TRAILER"), ChunkedForm::kUnsignedTrailer);
  EXPECT_EQ(chunked_form("UNSIGNED-PAYLOAD"), std::nullopt);
}

}  // namespace
}  // namespace stratus::s3
