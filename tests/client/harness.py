"""Test harness for the stratus client test suite.

Every test module starts its own `stratus serve` (one server per module, made
by the first StratusTestCase.setUpClass of the module and shared by its other
classes) on a free loopback port with a fresh temporary data dir and pinned
root credentials, and talks to it with boto3, the real `aws` CLI, or
hand-signed raw HTTP requests. StratusServer.restart() and .kill9() serve the
persistence tests.

Environment:
  STRATUS_BIN          path of the stratus binary (default: <repo>/build/stratus)
  STRATUS_TEST_KEEP    if set to 1, data dirs and server logs are kept (paths printed)
  STRATUS_TEST_VMS     "0": the test classes that boot VMs are skipped
  STRATUS_TEST_STORE   "postgresql": every server keeps its state in a database of its own
                       (`stratus serve --store`) on one PostgreSQL the suite starts itself
                       (scripts/postgres, on a unix socket, fsync off) and stops at exit;
                       default "sqlite" (the data dir's own store)

Run from the repository root:
  python3 -m unittest discover -s tests/client -v
"""

import atexit
import contextlib
import glob
import datetime
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STRATUS_BIN = os.environ.get("STRATUS_BIN", os.path.join(REPO_ROOT, "build", "stratus"))

# Pinned root identity used for every test server.
ACCESS_KEY_ID = "AKIASTRATUSTEST0001X"
SECRET_ACCESS_KEY = "StratusTestSecretKey/0123456789abcdefABCD"
ACCOUNT_ID = "210987654321"

# The one boto3 session every test client comes from: a session parses a service's model once
# (a quarter of a CPU second for EC2's), so clients after the first cost milliseconds. Sessions
# are not thread-safe: clients are made under CLIENTS_LOCK.
SESSION = boto3.session.Session()
CLIENTS_LOCK = threading.Lock()

# The regions of the aws partition as botocore's endpoint data lists them; the server enables
# them all unless told otherwise (`stratus serve --regions`).
REGIONS = tuple(SESSION.get_available_regions("ec2"))
# Regions AWS launched after March 2019, which accounts opt in to.
OPT_IN_REGIONS = {
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1",
    "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
}
# Zones of the regions the tests look at, as AWS names them.
ZONES = {
    "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
    "us-west-2": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
    "eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "ap-northeast-2": ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"],
    "ap-southeast-2": ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
    "sa-east-1": ["sa-east-1a", "sa-east-1b", "sa-east-1c"],
    "ca-central-1": ["ca-central-1a", "ca-central-1b", "ca-central-1d"],
}
ZONE_ID_PREFIX = {"us-east-1": "use1-az", "us-west-2": "usw2-az", "eu-west-1": "euw1-az",
                  "ap-northeast-2": "apne2-az", "ap-southeast-2": "apse2-az", "sa-east-1": "sae1-az",
                  "ca-central-1": "cac1-az"}
API_VERSION = "2016-11-15"
EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

HEALTH_TIMEOUT = 20.0

# The metric of the host's unreachable route for a server's public pool (src/net/vpc_network.cc).
POOL_HOLD_METRIC = "4000000000"
# The start-up log line that names the server's network slot.
NETWORK_SLOT_RE = re.compile(r"stratus: network slot (?P<slot>\d+) \(edge namespace (?P<edge_netns>\S+), "
                             r"host address (?P<host_address>[\d.]+), public IPv4 (?P<public_pool>[\d./]+)\)")

# AWS resource id shapes (new-style 17 hex digit ids).
ID_RE = {
    "vpc": re.compile(r"^vpc-[0-9a-f]{17}$"),
    "subnet": re.compile(r"^subnet-[0-9a-f]{17}$"),
    "igw": re.compile(r"^igw-[0-9a-f]{17}$"),
    "rtb": re.compile(r"^rtb-[0-9a-f]{17}$"),
    "rtbassoc": re.compile(r"^rtbassoc-[0-9a-f]{17}$"),
    "eipalloc": re.compile(r"^eipalloc-[0-9a-f]{17}$"),
    "eipassoc": re.compile(r"^eipassoc-[0-9a-f]{17}$"),
    "sg": re.compile(r"^sg-[0-9a-f]{17}$"),
    "sgr": re.compile(r"^sgr-[0-9a-f]{17}$"),
    "key": re.compile(r"^key-[0-9a-f]{17}$"),
    "acl": re.compile(r"^acl-[0-9a-f]{17}$"),
    "dopt": re.compile(r"^dopt-[0-9a-f]{8,17}$"),
    "pcx": re.compile(r"^pcx-[0-9a-f]{17}$"),
    "pl": re.compile(r"^pl-[0-9a-f]{17}$"),
    "vol": re.compile(r"^vol-[0-9a-f]{17}$"),
    "snap": re.compile(r"^snap-[0-9a-f]{17}$"),
    "ami": re.compile(r"^ami-[0-9a-f]{17}$"),
}

# Well-formed ids that never exist.
MISSING = {
    "vpc": "vpc-0123456789abcdef0",
    "subnet": "subnet-0123456789abcdef0",
    "igw": "igw-0123456789abcdef0",
    "rtb": "rtb-0123456789abcdef0",
    "rtbassoc": "rtbassoc-0123456789abcdef0",
    "sg": "sg-0123456789abcdef0",
    "sgr": "sgr-0123456789abcdef0",
    "key": "key-0123456789abcdef0",
}


def uniq(prefix="t"):
    """A short unique name."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def tags_of(resource):
    """{Key: Value} of a described resource's Tags list."""
    return {t["Key"]: t["Value"] for t in resource.get("Tags", []) or []}


class ServerError(RuntimeError):
    pass


class AwsCliError(RuntimeError):
    def __init__(self, proc):
        self.proc = proc
        super().__init__("aws CLI exited %d\nstdout: %s\nstderr: %s"
                         % (proc.returncode, proc.stdout, proc.stderr))


class RawResponse:
    """Response of a hand-made HTTP request."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # email.message.Message-like; case-insensitive get
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def xml(self):
        return ET.fromstring(self.body)

    def error_code(self):
        """Code of an EC2 error envelope (namespace-agnostic), else None."""
        try:
            root = self.xml()
        except ET.ParseError:
            return None
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.split("}", 1)[-1] == "Code":
                return el.text
        return None

    def request_id(self):
        """RequestID of an error envelope or requestId of a success document."""
        try:
            root = self.xml()
        except ET.ParseError:
            return None
        for el in root.iter():
            tag = el.tag.split("}", 1)[-1]
            if tag in ("RequestID", "requestId", "RequestId"):
                return el.text
        return None

    def __repr__(self):
        return "RawResponse(%d, %r)" % (self.status, self.body[:500])


TEST_STORE = os.environ.get("STRATUS_TEST_STORE", "sqlite")
SHARED_STORE = TEST_STORE == "postgresql"
if TEST_STORE not in ("sqlite", "postgresql"):
    raise RuntimeError("STRATUS_TEST_STORE must be sqlite or postgresql, not %r" % TEST_STORE)

# Tests that edit the SQLite file of a data dir, or copy a data dir to copy its state.
skip_on_shared_store = unittest.skipIf(SHARED_STORE, "reads or edits the data dir's SQLite store")


class TestPostgres:
    """The suite's PostgreSQL (STRATUS_TEST_STORE=postgresql): started on first use by
    scripts/postgres in a temporary directory, stopped and removed at exit."""

    _dir = None

    @classmethod
    def new_database(cls):
        """The `--store` URL of a new, empty database."""
        if cls._dir is None:
            cls._dir = tempfile.mkdtemp(prefix="stratus-test-pg-")
            atexit.register(cls._stop)
            subprocess.run([os.path.join(REPO_ROOT, "scripts", "postgres"), "start", cls._dir, "--no-fsync"],
                           check=True, stdout=subprocess.DEVNULL)
        name = "t_" + uuid.uuid4().hex[:16]
        cls.psql("stratus", "CREATE DATABASE " + name)
        return "postgresql:///%s?host=%s&user=stratus" % (name, cls._dir)

    @classmethod
    def drop_database(cls, url):
        """Drops the database of `url` (made by new_database), closing what is still connected."""
        name = url.split("?")[0].rsplit("/", 1)[1]
        cls.psql("stratus", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)

    @classmethod
    def psql(cls, database, sql):
        subprocess.run(["psql", "-q", "-h", cls._dir, "-U", "stratus", "-d", database, "-c", sql],
                       check=True, stdout=subprocess.DEVNULL)

    @classmethod
    def _stop(cls):
        subprocess.run([os.path.join(REPO_ROOT, "scripts", "postgres"), "stop", cls._dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(cls._dir, ignore_errors=True)


class StratusServer:
    """One `stratus serve` process bound to a data dir (and, with STRATUS_TEST_STORE=postgresql,
    to a database of its own)."""

    def __init__(self, data_dir=None, binary=None, extra_env=None, image_cache=None, extra_args=(),
                 open_files=None, store_url=None, command="serve", netns=None, netns_prefix=""):
        self.binary = binary or STRATUS_BIN
        self.command = command  # "serve", or "host" for a host agent (`extra_args` name its zone)
        self.extra_args = list(extra_args)  # more `stratus serve` flags
        self.netns = netns  # the network namespace it runs in (a simulated host's); None: this one
        self.netns_prefix = netns_prefix  # its --netns-prefix (hosts sharing this machine)
        if netns_prefix:
            self.extra_args += ["--netns-prefix", netns_prefix]
        self.open_files = open_files  # the server's RLIMIT_NOFILE (soft and hard); None: inherited
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="stratus-test-data-")
        # A private, empty image cache unless one is given: tests never see the user's built
        # images unless they ask (see fake_base_image, real_image_cache).
        self.owns_image_cache = image_cache is None
        self.image_cache = image_cache or tempfile.mkdtemp(prefix="stratus-test-images-")
        self.log_dir = tempfile.mkdtemp(prefix="stratus-test-log-")
        self.extra_env = dict(extra_env or {})
        # The database (`--store`): the one given, else with STRATUS_TEST_STORE=postgresql one of its own.
        self.owns_store = store_url is None and SHARED_STORE
        self.store_url = TestPostgres.new_database() if self.owns_store else store_url
        self.port = None
        self.proc = None
        self.starts = 0
        self._log_files = []

    # ----------------------------------------------------------- lifecycle
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def server_env(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("AWS_"):
                del env[k]
        env["STRATUS_ROOT_ACCESS_KEY_ID"] = ACCESS_KEY_ID
        env["STRATUS_ROOT_SECRET_ACCESS_KEY"] = SECRET_ACCESS_KEY
        env["STRATUS_ACCOUNT_ID"] = ACCOUNT_ID
        env.update(self.extra_env)
        return env

    def _spawn(self, port):
        if not os.path.exists(self.binary):
            raise ServerError("stratus binary not found at %s (set STRATUS_BIN)" % self.binary)
        self.starts += 1
        log_path = os.path.join(self.log_dir, "serve-%d.log" % self.starts)
        log = open(log_path, "wb")
        self._log_files.append(log_path)
        try:
            self.proc = subprocess.Popen(
                # Only its network namespace (`ip netns exec` would also give it a mount namespace
                # of its own, hiding the namespaces it makes from everyone else); the same pid.
                (["nsenter", "--net=/run/netns/" + self.netns] if self.netns else [])
                + [self.binary, self.command, "--data-dir", self.data_dir,
                 "--listen", "127.0.0.1:%d" % port, "--image-cache", self.image_cache]
                + (["--store", self.store_url] if self.store_url else []) + self.extra_args,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.server_env(), start_new_session=True, preexec_fn=self._limit_open_files)
        finally:
            log.close()
        self.port = port

    def _limit_open_files(self):
        """Runs in the child before exec: applies open_files."""
        if self.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def log_tail(self, n=4000):
        out = []
        for p in self._log_files[-2:]:
            try:
                with open(p, "rb") as f:
                    data = f.read()[-n:]
                out.append("--- %s ---\n%s" % (p, data.decode("utf-8", "replace")))
            except OSError:
                pass
        return "\n".join(out)

    def network_slot(self):
        """The network slot the server leased, as its start-up log names it: a dict with
        `slot` (int), `edge_netns`, `host_address` and `public_pool`. REQUIRES: it started."""
        for path in reversed(self._log_files):
            with open(path, "rb") as f:
                m = NETWORK_SLOT_RE.search(f.read().decode("utf-8", "replace"))
            if m:
                return dict(m.groupdict(), slot=int(m.group("slot")))
        raise ServerError("no network slot in the server's log\n%s" % self.log_tail())

    def health_ok(self):
        if self.netns:  # its loopback is its namespace's
            return subprocess.run(["ip", "netns", "exec", self.netns, "curl", "-sf", "-o", "/dev/null", "-m", "2",
                                   self.endpoint + "/_stratus/health"], capture_output=True).returncode == 0
        try:
            with urllib.request.urlopen(self.endpoint + "/_stratus/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError, ConnectionError):
            return False

    def _wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self.health_ok():
                return True
            time.sleep(0.05)
        return False

    def start(self, port=None, timeout=HEALTH_TIMEOUT):
        """Start serving; waits until /_stratus/health answers 200."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running (pid %d)" % self.proc.pid)
        deadline = time.monotonic() + timeout
        attempts = 0
        want = port
        while True:
            attempts += 1
            self._spawn(want or free_port())
            if self._wait_healthy(max(0.5, deadline - time.monotonic())):
                return self
            died = self.proc.poll() is not None
            if not died:
                self._terminate()
                raise ServerError("stratus did not become healthy within %.0fs on %s\n%s"
                                  % (timeout, self.endpoint, self.log_tail()))
            # Process exited. With a requested port it may be a transient bind
            # failure (e.g. TIME_WAIT); retry a few times, then any port.
            if time.monotonic() >= deadline or attempts >= 6:
                raise ServerError("stratus exited with code %s before becoming healthy\n%s"
                                  % (self.proc.returncode, self.log_tail()))
            time.sleep(0.3)
            if attempts >= 4:
                want = None

    def _terminate(self, grace=10.0):
        p = self.proc
        if p is None:
            return None
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
        return p.returncode

    def stop(self, grace=10.0):
        """SIGTERM the server by pid, SIGKILL after `grace` seconds. Returns exit code."""
        rc = self._terminate(grace)
        self.proc = None
        return rc

    def kill9(self):
        """SIGKILL the server by pid (no chance to flush anything)."""
        p = self.proc
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
        self.proc = None

    def restart(self, kill=False, same_port=True):
        """Stop (SIGTERM, or SIGKILL with kill=True) and start on the same data dir."""
        port = self.port if same_port else None
        if kill:
            self.kill9()
        else:
            self.stop()
        return self.start(port=port)

    def cleanup(self):
        try:
            self.stop()
        finally:
            self.release_public_pool()
            if self.owns_store and os.environ.get("STRATUS_TEST_KEEP") != "1":
                TestPostgres.drop_database(self.store_url)
            if os.environ.get("STRATUS_TEST_KEEP") == "1":
                print("stratus test data dir kept: %s logs: %s" % (self.data_dir, self.log_dir))
            else:
                if self.owns_data_dir:
                    shutil.rmtree(self.data_dir, ignore_errors=True)
                shutil.rmtree(self.log_dir, ignore_errors=True)
                if self.owns_image_cache:
                    shutil.rmtree(self.image_cache, ignore_errors=True)

    def release_public_pool(self):
        """Deletes the host's unreachable route for the server's public pool (VpcNetwork::
        hold_public_pool), which outlives the server as its edge does. Nothing unless it served
        as root in this namespace."""
        if self.netns or os.geteuid() != 0:
            return
        try:
            pool = self.network_slot()["public_pool"]
        except (ServerError, OSError):
            return
        subprocess.run(["ip", "route", "del", "unreachable", pool, "metric", POOL_HOLD_METRIC], capture_output=True)

    # ------------------------------------------------------------- clients
    def client(self, region="us-east-1", access_key=ACCESS_KEY_ID, secret_key=SECRET_ACCESS_KEY,
               validate=True, service="ec2", session_token=None, **config):
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                     parameter_validation=validate, connect_timeout=5, read_timeout=60, **config)
        with CLIENTS_LOCK:
            return SESSION.client(
                service, region_name=region, endpoint_url=self.endpoint,
                aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                aws_session_token=session_token, config=cfg)

    def session_client(self, credentials, service="ec2", region="us-east-1", **kw):
        """A client signing with STS `credentials` (an AssumeRole or GetSessionToken answer's)."""
        return self.client(region, service=service, access_key=credentials["AccessKeyId"],
                           secret_key=credentials["SecretAccessKey"],
                           session_token=credentials["SessionToken"], **kw)

    def env_exports(self):
        """Variables printed by `stratus env --data-dir DIR` (export K=V lines)."""
        proc = subprocess.run([self.binary, "env", "--data-dir", self.data_dir],
                              capture_output=True, text=True, timeout=30,
                              env=self.server_env())
        if proc.returncode != 0:
            raise ServerError("stratus env failed (%d): %s" % (proc.returncode, proc.stderr))
        out = {}
        for line in proc.stdout.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = shlex.split(line)
            if parts and parts[0] == "export":
                parts = parts[1:]
            for p in parts:
                if "=" in p:
                    k, v = p.split("=", 1)
                    out[k] = v
        return out

    def cli_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        exports = self.env_exports()
        env.update(exports)
        # The files are expected where `stratus env` says; fall back to the
        # documented location if it did not mention one.
        env.setdefault("AWS_CONFIG_FILE", os.path.join(self.data_dir, "aws", "config"))
        env.setdefault("AWS_SHARED_CREDENTIALS_FILE", os.path.join(self.data_dir, "aws", "credentials"))
        env.setdefault("AWS_PROFILE", "stratus")
        env["AWS_PAGER"] = ""
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        return env

    def aws_proc(self, *args, region=None, env=None, timeout=120):
        cmd = ["aws"] + list(args) + ["--output", "json"]
        if region:
            cmd += ["--region", region]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else self.cli_env(),
                              stdin=subprocess.DEVNULL)

    def aws(self, *args, region=None, env=None, timeout=120):
        """Run the real aws CLI with the profile stratus wrote; returns parsed JSON."""
        proc = self.aws_proc(*args, region=region, env=env, timeout=timeout)
        if proc.returncode != 0:
            raise AwsCliError(proc)
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    # --------------------------------------------------------- raw requests
    def raw_request(self, params, **kw):
        """Send a hand-built EC2 query request (see prepare_request)."""
        prepared = self.prepare_request(params, **kw)
        return self.http(prepared.method, prepared.url, prepared.body, dict(prepared.headers))

    def prepare_request(self, params, region="us-east-1", method="POST",
                        access_key=ACCESS_KEY_ID, secret_key=SECRET_ACCESS_KEY,
                        when=None, sign=True, version=API_VERSION, extra_headers=None,
                        service="ec2"):
        """Build (and SigV4-sign unless sign=False) an EC2 query request.
        `when` (naive UTC datetime) overrides the signing clock. Returns a
        botocore AWSPreparedRequest (.method, .url, .body, .headers)."""
        params = dict(params)
        if version is not None:
            params.setdefault("Version", version)
        url = self.endpoint + "/"
        encoded = urllib.parse.urlencode(sorted(params.items()))
        if method == "POST":
            req = AWSRequest(method="POST", url=url, data=encoded,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        else:
            req = AWSRequest(method=method, url=url + "?" + encoded)
        for k, v in (extra_headers or {}).items():
            req.headers[k] = v
        if sign:
            signer = SigV4Auth(Credentials(access_key, secret_key), service, region)
            if when is not None:
                with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
                    signer.add_auth(req)
            else:
                signer.add_auth(req)
        return req.prepare()

    @staticmethod
    def http(method, url, body=None, headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        r = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(r, timeout=60) as resp:
                return RawResponse(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            return RawResponse(e.code, e.headers, e.read())


def skewed_clock(minutes):
    """Patch botocore's signing clock to now + minutes (negative = past)."""
    when = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            + datetime.timedelta(minutes=minutes))
    return mock.patch.object(botocore.auth, "get_current_datetime", return_value=when)


def reap(server):
    """Powers the server's host off (see power_off) so that a failed test leaves nothing
    behind; then removes its files."""
    power_off(server)
    server.cleanup()


def power_off(server):
    """What a host power cut does to a server: it stops, every VM and dnsmasq it started (by
    pid file) ends and its VPC namespaces and its network slot's edge are gone; its data dir
    stays."""
    try:
        edge = server.network_slot()["edge_netns"]
    except ServerError:  # it never served, so it built no plumbing
        edge = None
    server.stop()
    for pattern in ("instances/*/qemu.pid", "net/*.pid", "run/warm-*/qemu.pid"):
        for pid_file in glob.glob(os.path.join(server.data_dir, pattern)):
            try:
                with open(pid_file) as f:
                    os.kill(int(f.read().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
    # The namespace of a warm pool's warm boot under way (compute/warm_pool.cc names it).
    for run_dir in glob.glob(os.path.join(server.data_dir, "run", "warm-*")):
        subprocess.run(["ip", "netns", "del", "stratus-warm-" + os.path.basename(run_dir)[5:13]], capture_output=True)
    # Every VPC the server has any file of (its resolver may not have started yet).
    vpcs = {os.path.basename(path).split(".")[0] for path in glob.glob(os.path.join(server.data_dir, "net", "vpc-*.*"))}
    for vpc in sorted(vpcs):
        subprocess.run(["ip", "netns", "del", "stratus-" + server.netns_prefix + vpc], capture_output=True)
        # The kernel may keep a deleted namespace (and its uplink veth) for minutes: delete the
        # uplink's edge end, and so the pair, at once.
        if edge:
            subprocess.run(["ip", "-n", edge, "link", "del", "ve" + vpc.split("-")[1][-13:]], capture_output=True)
    for _ in range(50 if edge else 0):  # namespaces are dismantled asynchronously
        links = subprocess.run(["ip", "-n", edge, "-o", "link", "show"], capture_output=True, text=True)
        if links.returncode != 0:
            break
        if " ve" not in links.stdout:  # no VPC uplink left in it
            subprocess.run(["ip", "netns", "del", edge], capture_output=True)
            break
        time.sleep(0.1)


def real_image_cache():
    """The image cache `stratus image build` fills, when it holds the base image of the
    binary's recipe; else None (tests that boot VMs skip then)."""
    root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "stratus", "images")
    recipe = os.path.join(REPO_ROOT, "images", "debian-12.sh")
    with open(recipe, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    image_dir = os.path.join(root, "debian-12-" + digest)
    return root if os.path.isfile(os.path.join(image_dir, "image.json")) else None


def fake_base_image(image_cache, empty_disk=False):
    """Puts a stand-in for a built base image (the files `stratus image build` leaves) into
    `image_cache`, under the name the binary's embedded recipe hashes to, so that the server
    registers its AMI without a real debootstrap. Instances of it stay pending without their
    interfaces plugged (their root volume cannot be made), or with `empty_disk` (a real, empty
    qcow2) with them plugged (their VM cannot boot the stand-in kernel). Returns the image
    directory."""
    recipe = os.path.join(REPO_ROOT, "images", "debian-12.sh")
    with open(recipe, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    image_dir = os.path.join(image_cache, "debian-12-" + digest)
    os.makedirs(image_dir, exist_ok=True)
    for name in ("disk.qcow2", "vmlinuz", "initrd.img"):
        with open(os.path.join(image_dir, name), "wb") as f:
            f.write(b"stand-in")
    if empty_disk:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", os.path.join(image_dir, "disk.qcow2"), "4G"],
                       check=True)
    with open(os.path.join(image_dir, "image.json"), "w") as f:
        f.write('{"name": "debian-12-amd64", "size": "4G"}')
    return image_dir


def saved_states(vcpus, memory_mib):
    """The warm pool's saved states of the built images for VMs of `vcpus` and `memory_mib`: each
    one's directory and layout.json record."""
    found = []
    for layout in glob.glob(os.path.join(real_image_cache() or "/nonexistent", "*", "warm", "*", "layout.json")):
        with open(layout) as f:
            record = json.load(f)
        if (record["vcpus"], record["memory_mib"]) == (vcpus, memory_mib):
            found.append((os.path.dirname(layout), record))
    return found


def start_region_of_hosts(test_class, empty_disk=False, real_images=False):
    """For a test class of hosts on one PostgreSQL: a database, an image cache (the built one with
    `real_images`, else one with a stand-in base image, see fake_base_image), and an API server on
    them, all removed by class cleanups. Sets the class's store_url, images, api and server (the
    API server) and ec2 (its us-east-1 client), and shared_dir (the servers' --shared-dir)."""
    cls = test_class
    cls.store_url = TestPostgres.new_database()
    cls.addClassCleanup(TestPostgres.drop_database, cls.store_url)
    cls.shared_dir = tempfile.mkdtemp(prefix="stratus-test-shared-")
    cls.addClassCleanup(shutil.rmtree, cls.shared_dir, True)
    if real_images:
        cls.images = real_image_cache()
    else:
        cls.images = tempfile.mkdtemp(prefix="stratus-test-images-")
        cls.addClassCleanup(shutil.rmtree, cls.images, True)
        fake_base_image(cls.images, empty_disk)
    cls.api = cls.server = StratusServer(store_url=cls.store_url, image_cache=cls.images,
                                         extra_args=["--shared-dir", cls.shared_dir])
    cls.addClassCleanup(reap, cls.api)
    cls.api.start()
    cls.ec2 = cls.api.client("us-east-1")


def start_host_agent(test_class, zone, extra_args=(), netns=None, netns_prefix=""):
    """A started `stratus host` of `zone` in the region start_region_of_hosts() made for
    `test_class`, reaped by a class cleanup; `netns` and `netns_prefix` as for StratusServer."""
    cls = test_class
    agent = StratusServer(store_url=cls.store_url, image_cache=cls.images, command="host", netns=netns,
                          netns_prefix=netns_prefix,
                          extra_args=["--availability-zone", zone, "--shared-dir", cls.shared_dir] + list(extra_args))
    cls.addClassCleanup(reap, agent)
    agent.start()
    return agent


_MODULE_SERVERS = {}


def module_server(module_name):
    """The one server of a test module: started by the module's first test
    class, shared by its other classes, stopped (by pid) and its temp dirs
    removed by a module cleanup that runs even when tests fail."""
    entry = _MODULE_SERVERS.get(module_name)
    if entry is not None:
        server, error = entry
        if error is not None:
            raise ServerError("server of %s failed to start earlier: %s" % (module_name, error))
        if server.proc is None or server.proc.poll() is not None:
            server.start(port=server.port)  # a test left it stopped
        return server
    server = StratusServer()
    # Register cleanups before starting, so a failed start still cleans up.
    unittest.addModuleCleanup(_MODULE_SERVERS.pop, module_name, None)
    unittest.addModuleCleanup(server.cleanup)
    try:
        server.start()
    except Exception as e:
        _MODULE_SERVERS[module_name] = (server, e)
        raise
    _MODULE_SERVERS[module_name] = (server, None)
    return server


class StratusTestCase(unittest.TestCase):
    """Base class: one fresh server per test module (shared by its classes)."""

    maxDiff = None
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = module_server(cls.__module__)
        cls.server = server
        cls.ec2 = server.client("us-east-1")
        cls.ec2_apne2 = server.client("ap-northeast-2")

    def wait_for(self, condition, seconds, message):
        """Polls `condition` every 0.2 s; fails with `message` after `seconds`. Returns the
        seconds it took."""
        start = time.time()
        while time.time() - start < seconds:
            if condition():
                return time.time() - start
            time.sleep(0.2)
        self.fail(message)

    # ---------------------------------------------------------- assertions
    @contextlib.contextmanager
    def assertEc2Error(self, codes, status=None, msg=None):
        """Expect a botocore ClientError whose Error.Code is `codes` (a str or a
        collection of acceptable codes). Yields a holder with .exception."""
        if isinstance(codes, str):
            codes = (codes,)

        class Holder:
            exception = None

        h = Holder()
        try:
            yield h
        except ClientError as e:
            h.exception = e
            err = e.response.get("Error", {})
            self.assertIn(err.get("Code"), codes,
                          "expected error code in %r, got %r (%s)%s"
                          % (codes, err.get("Code"), err.get("Message"),
                             " - " + msg if msg else ""))
            self.assertTrue(err.get("Message"), "error %s has no Message" % err.get("Code"))
            if status is not None:
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], status,
                                 "HTTP status for %s" % err.get("Code"))
            rid = e.response["ResponseMetadata"].get("RequestId")
            self.assertTrue(rid, "error response without a request id")
        else:
            self.fail("expected EC2 error %r but the call succeeded%s"
                      % (codes, " - " + msg if msg else ""))

    def assertIdShape(self, kind, value):
        self.assertRegex(value or "", ID_RE[kind])

    # ------------------------------------------------------------- helpers
    def default_vpc(self, client=None):
        c = client or self.ec2
        vpcs = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        self.assertEqual(len(vpcs), 1, "exactly one default VPC expected: %r" % vpcs)
        return vpcs[0]

    def default_igw_id(self, client=None):
        c = client or self.ec2
        vpc_id = self.default_vpc(c)["VpcId"]
        igws = c.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual(len(igws), 1, "default VPC must have one attached IGW: %r" % igws)
        return igws[0]["InternetGatewayId"]

    def make_vpc(self, cidr="10.0.0.0/16", client=None, cleanup=True, **kw):
        """Create a VPC; by default purge it (and what is in it) after the test
        so a module stays under the AWS default limit of 5 VPCs per region."""
        c = client or self.ec2
        vpc = c.create_vpc(CidrBlock=cidr, **kw)["Vpc"]
        if cleanup:
            self.addCleanup(purge_vpc, c, vpc["VpcId"])
        return vpc["VpcId"]

    def count(self, describe, key, **kw):
        """Number of items of a Describe call, following all pages."""
        total = 0
        token = None
        while True:
            args = dict(kw)
            if token:
                args["NextToken"] = token
            r = describe(**args)
            total += len(r[key])
            token = r.get("NextToken")
            if not token:
                return total


def _quiet(fn, *a, **kw):
    try:
        return fn(*a, **kw)
    except Exception:  # best effort cleanup
        return None


def purge_vpc(client, vpc_id):
    """Best-effort removal of a VPC and everything in it (test cleanup only)."""
    f = [{"Name": "vpc-id", "Values": [vpc_id]}]
    sgs = (_quiet(client.describe_security_groups, Filters=f) or {}).get("SecurityGroups", [])
    for sg in sgs:
        if sg.get("IpPermissions"):
            _quiet(client.revoke_security_group_ingress, GroupId=sg["GroupId"],
                   IpPermissions=_strip_perms(sg["IpPermissions"]))
        if sg.get("IpPermissionsEgress"):
            _quiet(client.revoke_security_group_egress, GroupId=sg["GroupId"],
                   IpPermissions=_strip_perms(sg["IpPermissionsEgress"]))
    for sg in sgs:
        if sg.get("GroupName") != "default":
            _quiet(client.delete_security_group, GroupId=sg["GroupId"])
    rts = (_quiet(client.describe_route_tables, Filters=f) or {}).get("RouteTables", [])
    for rt in rts:
        for a in rt.get("Associations", []):
            if not a.get("Main"):
                _quiet(client.disassociate_route_table, AssociationId=a["RouteTableAssociationId"])
    for rt in rts:
        if not any(a.get("Main") for a in rt.get("Associations", [])):
            _quiet(client.delete_route_table, RouteTableId=rt["RouteTableId"])
    for sn in (_quiet(client.describe_subnets, Filters=f) or {}).get("Subnets", []):
        _quiet(client.delete_subnet, SubnetId=sn["SubnetId"])
    igws = (_quiet(client.describe_internet_gateways,
                   Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]) or {}).get("InternetGateways", [])
    for igw in igws:
        _quiet(client.detach_internet_gateway, InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
        _quiet(client.delete_internet_gateway, InternetGatewayId=igw["InternetGatewayId"])
    _quiet(client.delete_vpc, VpcId=vpc_id)


def _strip_perms(perms):
    """IpPermissions as returned by Describe -> acceptable request input."""
    out = []
    for p in perms:
        q = {"IpProtocol": p["IpProtocol"]}
        for k in ("FromPort", "ToPort"):
            if k in p:
                q[k] = p[k]
        if p.get("IpRanges"):
            q["IpRanges"] = [{"CidrIp": r["CidrIp"]} for r in p["IpRanges"]]
        if p.get("Ipv6Ranges"):
            q["Ipv6Ranges"] = [{"CidrIpv6": r["CidrIpv6"]} for r in p["Ipv6Ranges"]]
        if p.get("UserIdGroupPairs"):
            q["UserIdGroupPairs"] = [{"GroupId": g["GroupId"]} for g in p["UserIdGroupPairs"]]
        if p.get("PrefixListIds"):
            q["PrefixListIds"] = [{"PrefixListId": g["PrefixListId"]} for g in p["PrefixListIds"]]
        out.append(q)
    return out


class StandInImageTestCase(StratusTestCase):
    """Base class of tests on a server of the class's own whose AMI is a stand-in (see
    fake_base_image): instances launch and get VPC plumbing but never boot, so the server is
    reaped even when a test fails. `serve_args` adds `stratus serve` flags; cls.image is the AMI."""

    serve_args = ()

    @classmethod
    def setUpClass(cls):
        server = StratusServer(extra_args=cls.serve_args)
        cls.addClassCleanup(reap, server)
        fake_base_image(server.image_cache)
        server.start()
        cls.server = server
        cls.ec2 = server.client("us-east-1")
        cls.image = cls.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def write_key_pair(ec2, name, path):
    """Creates key pair `name` with the client `ec2` and writes its private key to `path` (mode 0400)."""
    with open(path, "w") as f:
        f.write(ec2.create_key_pair(KeyName=name)["KeyMaterial"])
    os.chmod(path, 0o400)


# What ssh prints when a connection failed before the login began: nothing ran on the guest, so
# the command may be tried again (a guest busy under TCG can be slow to send its banner).
SSH_NOT_CONNECTED = ("banner exchange", "kex_exchange_identification", "port 22: Connection timed out")


def ssh_run(key_file, ip, command, timeout=20, attempts=3, netns=None, via=None):
    """Runs `command` as ec2-user at `ip` with the private key `key_file` (no host key checks,
    3 s to connect), from network namespace `netns` when given and through the jump host `via`
    (an address, ec2-user with the same key) when given, trying again up to `attempts` times in
    all while the connection fails before the login; the CompletedProcess, or TimeoutExpired after
    `timeout` seconds."""
    options = ["-i", key_file, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "-o", "LogLevel=ERROR"]
    if via:
        options += ["-o", "ProxyCommand=ssh %s -W %%h:%%p ec2-user@%s" % (" ".join(options), via)]
    prefix = ["ip", "netns", "exec", netns] if netns else []
    for attempt in range(attempts):
        done = subprocess.run(prefix + ["ssh"] + options + ["ec2-user@" + ip, command],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 255 or not any(s in done.stderr for s in SSH_NOT_CONNECTED):
            break
        time.sleep(1)
    return done


class VmTestCase(StratusTestCase):
    """Base class of tests that boot real VMs: a server of the class's own on the built base
    image, reaped (VMs, dnsmasq, namespaces) even when a test fails; SSH and waiting helpers.
    Subclasses skip unless root with a built image (decorate them with skip_unless_vms)."""

    serve_args = ()  # more `stratus serve` flags

    @classmethod
    def setUpClass(cls):
        server = StratusServer(image_cache=real_image_cache(), extra_args=cls.serve_args)
        cls.addClassCleanup(reap, server)
        server.start()
        cls.server = server
        cls.ec2 = server.client("us-east-1")
        cls.key_file = os.path.join(server.log_dir, "k.pem")

    def create_key(self, name):
        """Creates key pair `name`; its private key goes to self.key_file (mode 0400)."""
        write_key_pair(self.ec2, name, self.key_file)

    def base_image(self):
        return self.ec2.describe_images(Owners=["amazon"], Filters=[
            {"Name": "name", "Values": ["debian-12-*"]}])["Images"][0]["ImageId"]

    def ssh(self, instance, command, timeout=20, attempts=3):
        """Runs `command` as ec2-user on `instance` (a DescribeInstances item) via its public IP
        (see ssh_run)."""
        return ssh_run(self.key_file, instance["PublicIpAddress"], command, timeout, attempts)

    def ssh_answers(self, instance):
        """Whether an SSH login to `instance` completes within 10 s. A session whose packets
        start being dropped after the TCP handshake (a rule applied mid-login) counts as no."""
        try:
            return self.ssh(instance, "true", timeout=10, attempts=1).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def wait_ssh(self, instance, deadline=300):
        end = time.time() + deadline
        while time.time() < end:
            if self.ssh_answers(instance):
                return
            time.sleep(2)
        console = self.ec2.get_console_output(InstanceId=instance["InstanceId"]).get("Output", "")
        self.fail("no SSH to %s (%s) within %d s; console ends:\n%s" % (
            instance["InstanceId"], instance.get("PublicIpAddress"), deadline, console[-2000:]))

    def describe(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    def waiter(self, name, instance_id):
        self.ec2.get_waiter(name).wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 2, "MaxAttempts": 150})

    def boot_id(self, instance):
        """The guest kernel's boot id over SSH, or "" while it cannot be read (e.g. rebooting)."""
        try:
            return self.ssh(instance, "cat /proc/sys/kernel/random/boot_id").stdout.strip()
        except subprocess.TimeoutExpired:
            return ""

    def address_of(self, instance, device):
        """The IPv4 address of `device` inside `instance` ("" when it has none or is absent)."""
        out = self.ssh(instance, "ip -o -4 addr show dev %s 2>/dev/null | awk '{print $4}'" % device)
        return out.stdout.strip().split("/")[0]

    def volume(self, volume_id):
        """The DescribeVolumes item of `volume_id`."""
        return self.ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]

    def attach_volume(self, volume_id, instance, device):
        """Attaches the volume; waits until the guest has its disk. Returns the disk's path in the guest."""
        self.ec2.attach_volume(VolumeId=volume_id, InstanceId=instance["InstanceId"], Device=device)
        self.wait_for(lambda: self.volume(volume_id)["Attachments"][0]["State"] == "attached", 60,
                      "the volume attachment did not complete")
        disk = "/dev/disk/by-id/virtio-" + volume_id.replace("-", "")
        took = self.wait_for(lambda: self.ssh(instance, "test -b " + disk).returncode == 0, 60,
                             "the volume's disk did not appear in the guest")
        print("\nvolume attached -> disk in the guest in %.1f s" % took)
        return disk

    def snapshot(self, volume_id):
        """Takes a snapshot of the volume and waits until it is completed."""
        snap = self.ec2.create_snapshot(VolumeId=volume_id)
        took = self.wait_for(lambda: self.ec2.describe_snapshots(SnapshotIds=[snap["SnapshotId"]])["Snapshots"][0][
            "State"] == "completed", 120, "the snapshot did not complete")
        print("snapshot %s completed in %.1f s" % (snap["SnapshotId"], took))
        return snap

    def interface(self, eni_id):
        """The DescribeNetworkInterfaces item of `eni_id`."""
        return self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]

    def attach(self, eni_id, instance):
        """Attaches the interface at device index 1; waits until the guest has its address on eth1."""
        self.ec2.attach_network_interface(NetworkInterfaceId=eni_id, InstanceId=instance["InstanceId"], DeviceIndex=1)
        self.wait_for(lambda: self.interface(eni_id)["Attachment"]["Status"] == "attached", 30,
                      "the attachment did not complete")
        address = self.interface(eni_id)["PrivateIpAddress"]
        try:
            took = self.wait_for(lambda: self.address_of(instance, "eth1") == address, 120, "")
        except AssertionError:
            seen = self.ssh(instance, "ip -br a; sudo journalctl -b --no-pager | grep -E 'eth1|DHCP' | tail -20").stdout
            self.fail("the guest did not get the interface's address %s on eth1; it has:\n%s" % (address, seen))
        print("\nattached -> address on eth1 in %.1f s" % took)

    def shut_down_from_inside(self, instance):
        """`sudo shutdown -h now` over SSH; the connection may drop before ssh returns."""
        try:
            self.ssh(instance, "sudo shutdown -h now")
        except subprocess.TimeoutExpired:
            pass



def skip_unless_vms(cls):
    """Marks a test class that boots VMs (boots_vms, which run_all.py selects by) and skips it
    unless this is root with the base image built, and unless STRATUS_TEST_VMS=0 asks for the
    suite without VMs."""
    cls.boots_vms = True
    cls = unittest.skipIf(os.environ.get("STRATUS_TEST_VMS") == "0", "STRATUS_TEST_VMS=0")(cls)
    cls = unittest.skipUnless(real_image_cache(), "needs the base image: run `stratus image build`")(cls)
    return unittest.skipUnless(os.geteuid() == 0, "needs root for network namespaces")(cls)
