"""S3 objects survive `kill -9` of `stratus serve` in the middle of uploads: afterwards every
object whose PUT was acknowledged reads back byte for byte, a listing shows no partial object (a
key listed but not acknowledged holds the whole body that was being sent), the multipart upload
in progress keeps the parts it acknowledged, and no temporary file is left behind."""

import hashlib
import os
import random
import threading
import time
import unittest

from harness import StratusTestCase


class S3CrashTest(StratusTestCase):

    def test_kill9_during_uploads(self):
        s3 = self.server.client(service="s3")
        s3.create_bucket(Bucket="crash")
        uid = s3.create_multipart_upload(Bucket="crash", Key="multi")["UploadId"]
        part = os.urandom(5 * 1024 * 1024)
        part_etag = s3.upload_part(Bucket="crash", Key="multi", UploadId=uid, PartNumber=1, Body=part)["ETag"]
        acknowledged, attempted = {}, {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            client = self.server.client(service="s3")
            rng = random.Random(n)
            i = 0
            while not stop.is_set():
                key = "w%d/%05d" % (n, i)
                body = rng.randbytes(rng.choice([1024, 64 * 1024, 1024 * 1024, 3 * 1024 * 1024]))
                with lock:
                    attempted[key] = hashlib.sha256(body).hexdigest()
                try:
                    client.put_object(Bucket="crash", Key=key, Body=body)
                except Exception:
                    return  # the server is gone
                with lock:
                    acknowledged[key] = attempted[key]
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        self.wait_for(lambda: len(acknowledged) >= 40, 60, "the uploads did not get going")
        self.server.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.server.start(port=self.server.port)

        s3 = self.server.client(service="s3")
        listed = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="crash"):
            for o in page.get("Contents", []):
                listed[o["Key"]] = o["Size"]
        for key, digest in acknowledged.items():
            self.assertIn(key, listed, "an acknowledged object is gone")
            body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
            self.assertEqual(hashlib.sha256(body).hexdigest(), digest, key)
        for key in set(listed) - set(acknowledged):  # in flight at the kill: whole, or not there
            body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
            self.assertEqual(hashlib.sha256(body).hexdigest(), attempted[key], "a partial object is listed: " + key)
        parts = s3.list_parts(Bucket="crash", Key="multi", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["ETag"]) for p in parts], [(1, part_etag)])
        temp = os.path.join(self.server.data_dir, "objects", "tmp")
        self.assertEqual(os.listdir(temp), [], "unfinished uploads left files behind")
        stored = sum(len(files) for root, _, files in os.walk(os.path.join(self.server.data_dir, "objects")))
        self.assertEqual(stored, len(listed) + 1, "stored bytes that no object or part names were not collected")


if __name__ == "__main__":
    unittest.main()
