#pragma once
// The EBS direct APIs of the region (rest-json, botocore's ebs/2019-11-02), over the block store
// snapshots share: list a snapshot's blocks and the blocks that differ between two snapshots,
// read a block (verified against its hash, with its SHA-256 checksum), and write a snapshot of
// one's own block by block (StartSnapshot, PutSnapshotBlock, CompleteSnapshot), which is then a
// snapshot like any other (DescribeSnapshots, CreateVolume).

#include "api/query_service.h"
#include "block/block_store.h"
#include "block/manifest.h"
#include "store/store.h"

namespace stratus::ebs {

// The EBS direct API actions. Thread-safe (writes arrive one at a time, as the API layer runs
// them).
class EbsService : public api::QueryService {
 public:
  EbsService(store::Store& store, block::BlockStore& blocks, const block::ManifestStore& manifests)
      : store_(store), blocks_(blocks), manifests_(manifests) {}
  bool implements(std::string_view action) const override;
  // StartSnapshot, PutSnapshotBlock and CompleteSnapshot.
  bool mutates(std::string_view action) const override;
  Result<nlohmann::json> call(const api::ServiceCall& call) override;
  // Runs each call as call() does (each commits its own changes).
  std::vector<Result<nlohmann::json>> call_batch(const std::vector<api::ServiceCall>& calls) override;

 private:
  store::Store& store_;
  block::BlockStore& blocks_;
  const block::ManifestStore& manifests_;
};

}  // namespace stratus::ebs
