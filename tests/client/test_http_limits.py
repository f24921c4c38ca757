"""HTTP edges (issue 9): oversized requests, malformed HTTP and stalled requests are answered
with a status and the EC2 error envelope; the connection cap answers 503; running out of file
descriptors does not spin the accept loop; a second server cannot take a port that is in use.
Raw sockets throughout: real clients refuse to send most of this."""

import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import API_VERSION, RawResponse, StratusServer, StratusTestCase

# What `stratus serve --request-timeout` is set to for these tests, in seconds.
REQUEST_TIMEOUT = 2


def connect(port, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_response(sock):
    """One HTTP response from `sock` as a RawResponse, or None when the server closed without one."""
    resp = http.client.HTTPResponse(sock)
    try:
        resp.begin()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return None
    return RawResponse(resp.status, resp.headers, resp.read())


def exchange(port, data):
    """Sends `data` on a new connection; returns (the response, whether the server then closed)."""
    with connect(port) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: the answer is still there
        response = read_response(sock)
        try:
            closed = sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            closed = False
        return response, closed


def health_request():
    return b"GET /_stratus/health HTTP/1.1\r\nHost: x\r\n\r\n"


def cpu_seconds(pid):
    """User plus system CPU time the process `pid` has used (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class HttpTestCase(StratusTestCase):
    """A server of the class's own, started with `serve_args` and `open_files`, stopped and
    its files removed even when a test fails."""

    serve_args = ()
    open_files = None

    @classmethod
    def setUpClass(cls):
        server = StratusServer(extra_args=cls.serve_args, open_files=cls.open_files)
        cls.addClassCleanup(server.cleanup)
        server.start()
        cls.server = server
        cls.ec2 = server.client("us-east-1")

    def assertEnvelope(self, response, status, code, closes=True):
        """`response` is `status` with an EC2 error envelope of `code` whose RequestID is also
        the x-amzn-RequestId header; with `closes`, it says Connection: close."""
        self.assertIsNotNone(response, "the server closed without an answer")
        self.assertEqual(response.status, status, response)
        self.assertIn("xml", response.headers.get("Content-Type", ""), response)
        self.assertEqual(response.error_code(), code, response)
        self.assertTrue(response.request_id(), response)
        self.assertEqual(response.headers.get("x-amzn-RequestId"), response.request_id(), response)
        if closes:
            self.assertEqual(response.headers.get("Connection", "").lower(), "close", response)

    def assertServes(self, seconds=10):
        """The server answers its health check within `seconds`."""
        deadline = time.monotonic() + seconds
        while not self.server.health_ok():
            self.assertLess(time.monotonic(), deadline, "the server does not serve again")
            time.sleep(0.1)


class RequestLimitsTest(HttpTestCase):
    serve_args = ("--request-timeout", str(REQUEST_TIMEOUT))

    def tearDown(self):
        self.assertServes()

    # ------------------------------------------------------------ too large: 413
    def test_ten_thousand_parameters_in_a_body(self):
        body = "Action=DescribeVpcs&Version=%s&" % API_VERSION + "&".join(
            "VpcId.%d=vpc-%017x" % (i, i) for i in range(1, 10001))
        r = self.server.http("POST", self.server.endpoint + "/", body,
                             {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEnvelope(r, 413, "RequestEntityTooLarge", closes=False)
        self.assertIn("8000 parameters", r.text)

    def test_ten_thousand_parameters_in_a_query(self):
        query = "&".join("VpcId.%d=v" % i for i in range(1, 10001))
        r, closed = exchange(self.server.port, b"GET /?Action=DescribeVpcs&%s HTTP/1.1\r\nHost: x\r\n\r\n"
                             % query.encode())
        self.assertEnvelope(r, 413, "RequestEntityTooLarge")
        self.assertTrue(closed)

    def test_twenty_kilobyte_header(self):
        r, closed = exchange(self.server.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % (b"a" * 20000))
        self.assertEnvelope(r, 413, "RequestEntityTooLarge")
        self.assertTrue(closed)

    def test_two_thousand_headers(self):
        headers = b"".join(b"X-H%d: v\r\n" % i for i in range(2000))
        r, closed = exchange(self.server.port, b"GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % headers)
        self.assertEnvelope(r, 413, "RequestEntityTooLarge")
        self.assertTrue(closed)

    def test_hundred_megabyte_body(self):
        r, closed = exchange(self.server.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                             b"Action=DescribeVpcs" % (100 * 1024 * 1024))
        self.assertEnvelope(r, 413, "RequestEntityTooLarge")
        self.assertTrue(closed)

    # ------------------------------------------------------------- malformed: 400
    MALFORMED = {
        "bad chunk size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "TE and CL": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/0.9": b"GET /\r\n\r\n",
        "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "TLS ClientHello": bytes.fromhex("16030100a5010000a10303") + os.urandom(32),
        "NUL in a header": b"GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\n\r\n",
    }

    def test_malformed_http_is_answered_400_and_closed(self):
        for name, data in self.MALFORMED.items():
            with self.subTest(name):
                r, closed = exchange(self.server.port, data)
                self.assertEnvelope(r, 400, "InvalidRequest")
                self.assertIn("Malformed HTTP request", r.text)
                self.assertTrue(closed)

    # ----------------------------------------------------------------- timeouts
    def test_stalled_request_is_answered_408(self):
        with connect(self.server.port, timeout=REQUEST_TIMEOUT + 10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
            started = time.monotonic()
            r = read_response(sock)
            self.assertGreaterEqual(time.monotonic() - started, REQUEST_TIMEOUT - 0.5)
            self.assertEnvelope(r, 408, "RequestTimeout")
            self.assertEqual(sock.recv(1), b"")

    def test_idle_connection_closes_silently(self):
        with connect(self.server.port, timeout=REQUEST_TIMEOUT + 10) as sock:
            self.assertEqual(sock.recv(1), b"")

    # ---------------------------------------------------------- one port, one server
    def test_second_server_on_the_same_port_fails(self):
        work = tempfile.mkdtemp(prefix="stratus-test-second-")
        self.addCleanup(shutil.rmtree, work, True)
        try:
            proc = subprocess.run(
                [self.server.binary, "serve", "--data-dir", os.path.join(work, "data"), "--image-cache",
                 os.path.join(work, "images"), "--listen", "127.0.0.1:%d" % self.server.port],
                env=self.server.server_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:  # run() has killed it
            self.fail("a second server started serving on port %d" % self.server.port)
        self.assertEqual(proc.returncode, 1, proc)
        self.assertIn("cannot listen on 127.0.0.1:%d: Address already in use" % self.server.port, proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(work, "data", "stratus.db")), "the store was opened")


class ConnectionCapTest(HttpTestCase):
    CAP = 8
    serve_args = ("--max-connections", str(CAP))

    def test_connections_beyond_the_cap_get_503_until_others_close(self):
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for _ in range(self.CAP):
            sock = connect(self.server.port)
            held.append(sock)
            sock.sendall(health_request())  # served, so accepted and counted
            self.assertEqual(read_response(sock).status, 200)
        r, closed = exchange(self.server.port, health_request())
        self.assertEnvelope(r, 503, "RequestLimitExceeded")
        self.assertTrue(closed)
        # boto3 treats it as throttling: the error reaches the caller once retries are spent.
        with self.assertEc2Error("RequestLimitExceeded", status=503):
            self.ec2.describe_vpcs()
        for sock in held:
            sock.close()
        held.clear()
        self.assertServes()
        self.ec2.describe_vpcs()


class OutOfFileDescriptorsTest(HttpTestCase):
    OPEN_FILES = 128
    serve_args = ("--max-connections", "1000")  # above what the descriptors allow
    open_files = OPEN_FILES

    def test_accept_loop_backs_off_and_recovers(self):
        pid = self.server.proc.pid
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for _ in range(self.OPEN_FILES + 50):  # more than the server can accept
            held.append(connect(self.server.port))
        deadline = time.monotonic() + 10
        while len(os.listdir("/proc/%d/fd" % pid)) < self.OPEN_FILES - 1:
            self.assertLess(time.monotonic(), deadline, "the server never ran out of descriptors")
            time.sleep(0.1)
        before = cpu_seconds(pid)
        time.sleep(2)
        used = cpu_seconds(pid) - before
        self.assertLess(used, 0.3, "the server used %.2f s of CPU in 2 s while out of descriptors" % used)
        for sock in held:
            sock.close()
        held.clear()
        self.assertServes()
        self.ec2.describe_vpcs()


if __name__ == "__main__":
    unittest.main()
