"""Network slots (issue 10): servers of different data dirs on one host lease different slots, so
each has its own edge namespace and hands out public addresses from its own pool; a data dir
keeps its slot across restarts, and one whose slot another server holds does not start (it
never takes a slot from under a running server). Packets for a server's pool never leave the
host, edge or not. Servers of its own, no VMs."""

import fcntl
import ipaddress
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from harness import ServerError, StratusServer, skip_on_shared_store


class NetworkSlotTest(unittest.TestCase):

    def server(self, **kw):
        """A server stopped by pid and its temp dirs removed after the test, also on failure."""
        server = StratusServer(**kw)
        self.addCleanup(server.cleanup)
        return server

    def test_two_servers_lease_two_slots_with_their_own_pools(self):
        first = self.server().start()
        second = self.server().start()
        a, b = first.network_slot(), second.network_slot()
        self.assertNotEqual(a["slot"], b["slot"])
        self.assertNotEqual(a["edge_netns"], b["edge_netns"])
        self.assertNotEqual(a["host_address"], b["host_address"])
        pools = [ipaddress.ip_network(s["public_pool"]) for s in (a, b)]
        self.assertFalse(pools[0].overlaps(pools[1]))
        for server, pool in zip((first, second), pools):
            ec2 = server.client("us-east-1")
            for _ in range(3):
                address = ec2.allocate_address(Domain="vpc")["PublicIp"]
                self.assertIn(ipaddress.ip_address(address), pool)
        first.restart()
        self.assertEqual(first.network_slot(), a)

    @skip_on_shared_store
    def test_a_data_dir_whose_slot_is_held_does_not_start(self):
        original = self.server().start()
        slot = original.network_slot()
        original.stop()
        copy_dir = tempfile.mkdtemp(prefix="stratus-test-data-")
        self.addCleanup(shutil.rmtree, copy_dir, True)
        shutil.copytree(original.data_dir, copy_dir, dirs_exist_ok=True)  # the same stored slot
        original.start()
        copy = self.server(data_dir=copy_dir)
        with self.assertRaises(ServerError) as refused:
            copy.start()
        message = str(refused.exception)
        self.assertIn("network slot %d (edge namespace %s" % (slot["slot"], slot["edge_netns"]), message)
        self.assertIn("held by another stratus serve (data dir %s)" % os.path.realpath(original.data_dir), message)
        self.assertEqual(original.network_slot(), slot)  # still serving on it
        original.client("us-east-1").describe_vpcs()

    @unittest.skipUnless(os.geteuid() == 0, "only root's servers route public pools")
    def test_nothing_for_the_public_pool_leaves_the_host_before_its_edge_exists(self):
        server = self.server().start()
        slot = server.network_slot()
        pool = ipaddress.ip_network(slot["public_pool"])
        held = "unreachable %s metric 4000000000" % pool
        ec2 = server.client("us-east-1")
        address = ec2.allocate_address(Domain="vpc")["PublicIp"]  # published nowhere
        for ip in (address, str(pool[1]), str(pool[-2])):
            route = subprocess.run(["ip", "route", "get", ip], capture_output=True, text=True)
            # Unreachable at once, or (an edge of this slot left by an earlier server) into the
            # edge: never by the host's default route.
            if route.returncode == 0:
                self.assertIn("src " + slot["host_address"], route.stdout)
            else:
                self.assertIn("No route to host", route.stderr)
        self.assertIn(held, self.pool_routes(pool))
        # The route stays with the slot's plumbing when the server stops, as its edge does.
        server.stop()
        self.assertIn(held, self.pool_routes(pool))

    def pool_routes(self, pool):
        return subprocess.run(["ip", "route", "show", str(pool)], capture_output=True, text=True).stdout

    @unittest.skipUnless(os.geteuid() == 0, "the slot locks of root's servers are in /run/stratus")
    @skip_on_shared_store
    def test_a_data_dir_with_plumbing_from_before_slots_keeps_slot_0(self):
        server = self.server().start()
        server.stop()
        # As a data dir served before slots: no slot stored, VPC plumbing files in DIR/net.
        db = sqlite3.connect(os.path.join(server.data_dir, "stratus.db"))
        with db:
            db.execute("DELETE FROM settings WHERE key = 'network_slot'")
        db.close()
        os.makedirs(os.path.join(server.data_dir, "net"), exist_ok=True)
        open(os.path.join(server.data_dir, "net", "vpc-0123456789abcdef0.dns.hosts"), "w").close()
        # With slot 0 held (by this test, or by a server that holds it already) it does not start
        # on another slot.
        with open("/run/stratus/edge-0.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass
            with self.assertRaises(ServerError) as refused:
                server.start()
        self.assertIn("network slot 0 (edge namespace stratus-edge,", str(refused.exception))


if __name__ == "__main__":
    unittest.main()
