"""Concurrent clients: parallel creates get distinct ids, racing duplicate
creates yield exactly one winner, and nothing is lost. Bounded in count."""

import ipaddress
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from harness import StratusTestCase, uniq

THREADS = 8


class ConcurrencyTest(StratusTestCase):

    def clients(self, n):
        return [self.server.client("us-east-1") for _ in range(n)]

    def test_parallel_creates_distinct_ids(self):
        prefix = uniq("par")
        clients = self.clients(THREADS)

        def work(i):
            c = clients[i]
            out = []
            for j in range(4):
                out.append(c.create_key_pair(KeyName="%s-%d-%d" % (prefix, i, j), KeyType="ed25519")["KeyPairId"])
            return out

        with ThreadPoolExecutor(THREADS) as ex:
            ids = [kid for chunk in ex.map(work, range(THREADS)) for kid in chunk]
        self.assertEqual(len(ids), THREADS * 4)
        self.assertEqual(len(set(ids)), len(ids), "duplicate ids under concurrency")
        got = self.ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": [prefix + "-*"]}])["KeyPairs"]
        self.assertEqual(sorted(k["KeyPairId"] for k in got), sorted(ids))

    def test_racing_duplicate_names_one_winner(self):
        name = uniq("race")
        clients = self.clients(THREADS)
        barrier = threading.Barrier(THREADS)

        def work(i):
            barrier.wait(timeout=30)
            try:
                return ("ok", clients[i].create_security_group(GroupName=name, Description="race")["GroupId"])
            except ClientError as e:
                return ("err", e.response["Error"]["Code"])

        with ThreadPoolExecutor(THREADS) as ex:
            results = list(ex.map(work, range(THREADS)))
        wins = [r for r in results if r[0] == "ok"]
        errs = [r[1] for r in results if r[0] == "err"]
        self.assertEqual(len(wins), 1, results)
        self.assertEqual(set(errs), {"InvalidGroup.Duplicate"}, results)
        got = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
        self.assertEqual([g["GroupId"] for g in got], [wins[0][1]])

    def test_racing_overlapping_subnets_one_winner(self):
        vpc = self.make_vpc("10.60.0.0/16")
        clients = self.clients(THREADS)
        barrier = threading.Barrier(THREADS)

        def work(i):
            barrier.wait(timeout=30)
            try:
                # All overlap 10.60.0.0/24 in some way.
                cidr = "10.60.0.0/24" if i % 2 == 0 else "10.60.0.%d/28" % (16 * i)
                return ("ok", clients[i].create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"])
            except ClientError as e:
                return ("err", e.response["Error"]["Code"])

        with ThreadPoolExecutor(THREADS) as ex:
            results = list(ex.map(work, range(THREADS)))
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        wins = [r[1] for r in results if r[0] == "ok"]
        self.assertEqual(sorted(s["SubnetId"] for s in subnets), sorted(wins))
        self.assertTrue(all(r[1] == "InvalidSubnet.Conflict" for r in results if r[0] == "err"), results)
        # Whatever won, the winners do not overlap one another.
        nets = [ipaddress.ip_network(s["CidrBlock"]) for s in subnets]
        for i, a in enumerate(nets):
            for b in nets[i + 1:]:
                self.assertFalse(a.overlaps(b), (a, b))

    def test_parallel_reads_during_writes(self):
        stop = threading.Event()
        errors = []
        reader = self.server.client("us-east-1")

        def read_loop():
            n = 0
            while not stop.is_set() and n < 200:
                n += 1
                try:
                    reader.describe_vpcs()
                    reader.describe_security_groups()
                except Exception as e:  # any failure is a bug
                    errors.append(repr(e))
                    return

        t = threading.Thread(target=read_loop)
        t.start()
        try:
            for _ in range(10):
                name = uniq("rw")
                gid = self.ec2.create_security_group(GroupName=name, Description="d")["GroupId"]
                self.ec2.delete_security_group(GroupId=gid)
        finally:
            stop.set()
            t.join(timeout=60)
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
