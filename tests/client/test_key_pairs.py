"""Key pairs: CreateKeyPair (rsa, ed25519), ImportKeyPair, DescribeKeyPairs,
DeleteKeyPair; private keys must be usable by OpenSSH and fingerprints must
follow AWS's rules."""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import MISSING, StratusTestCase, tags_of, uniq

SHA1_COLON = re.compile(r"^([0-9a-f]{2}:){19}[0-9a-f]{2}$")  # 59 chars
MD5_COLON = re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")   # 47 chars
# Real EC2 returns the padded base64 SHA-256 (44 chars, ends with "="), i.e.
# ssh-keygen's SHA256:xxx value without the prefix, plus "=".
B64_SHA256 = re.compile(r"^[A-Za-z0-9+/]{43}=$")
# AWS documents both codes; ImportKeyPair answers "Key is not in valid OpenSSH
# public key format" (seen as InvalidKey.Format).
KEY_FORMAT_CODES = ("InvalidKey.Format", "InvalidKeyPair.Format")


def run(cmd, input=None):
    p = subprocess.run(cmd, input=input, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("%r failed (%d): %s" % (cmd, p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout


def openssl_digest_colon(algo, data):
    out = run(["openssl", "dgst", "-" + algo, "-c"], input=data).decode().strip()
    return out.split("= ", 1)[1].strip().lower()


class KeyPairTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="stratus-keys-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)

    # ------------------------------------------------------------ helpers
    def write_private(self, material):
        path = os.path.join(self.tmp, uniq("key") + ".pem")
        with open(path, "w") as f:
            f.write(material)
        os.chmod(path, 0o400)
        return path

    def public_from_private(self, path):
        """`ssh-keygen -y -f path` -> (type, base64 blob)."""
        out = run(["ssh-keygen", "-y", "-f", path]).decode().split()
        return out[0], out[1]

    def gen_key(self, kind):
        """An ssh-keygen generated key: (private path, public line)."""
        path = os.path.join(self.tmp, uniq(kind))
        args = ["ssh-keygen", "-q", "-N", "", "-C", "stratus-test", "-f", path, "-t", kind]
        if kind == "rsa":
            args += ["-b", "2048", "-m", "PEM"]
        run(args)
        with open(path + ".pub") as f:
            return path, f.read().strip()

    def describe_one(self, name, **kw):
        got = self.ec2.describe_key_pairs(KeyNames=[name], **kw)["KeyPairs"]
        self.assertEqual(len(got), 1)
        return got[0]

    def create(self, name=None, **kw):
        name = name or uniq("kp")
        r = self.ec2.create_key_pair(KeyName=name, **kw)
        self.addCleanup(self._delete_quietly, name)
        return r

    def _delete_quietly(self, name):
        try:
            self.ec2.delete_key_pair(KeyName=name)
        except Exception:
            pass

    def ssh_sha256(self, path):
        out = run(["ssh-keygen", "-l", "-E", "sha256", "-f", path]).decode().split()
        self.assertTrue(out[1].startswith("SHA256:"), out)
        return out[1][len("SHA256:"):]

    # ---------------------------------------------------------------- rsa
    def test_create_rsa_default(self):
        name = uniq("rsa")
        r = self.create(name)
        self.assertEqual(r["KeyName"], name)
        self.assertIdShape("key", r["KeyPairId"])
        self.assertTrue(r["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----"),
                        r["KeyMaterial"][:40])
        self.assertRegex(r["KeyFingerprint"], SHA1_COLON)
        self.assertEqual(len(r["KeyFingerprint"]), 59)
        d = self.describe_one(name)
        self.assertEqual(d["KeyType"], "rsa")
        self.assertEqual(d["KeyPairId"], r["KeyPairId"])
        self.assertEqual(d["KeyFingerprint"], r["KeyFingerprint"])
        self.assertNotIn("KeyMaterial", d)
        self.assertIn("CreateTime", d)

    def test_created_rsa_private_key_loads_and_matches_public(self):
        name = uniq("rsa")
        r = self.create(name, KeyType="rsa")
        path = self.write_private(r["KeyMaterial"])
        ktype, blob = self.public_from_private(path)
        self.assertEqual(ktype, "ssh-rsa")
        d = self.describe_one(name, IncludePublicKey=True)
        self.assertEqual(d["PublicKey"].split()[:2], [ktype, blob])
        bits = run(["ssh-keygen", "-l", "-f", path]).decode().split()[0]
        self.assertEqual(bits, "2048")

    def test_created_rsa_fingerprint_is_sha1_of_pkcs8_der(self):
        r = self.create(KeyType="rsa")
        path = self.write_private(r["KeyMaterial"])
        der = run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-inform", "PEM",
                   "-outform", "DER", "-in", path])
        self.assertEqual(r["KeyFingerprint"], openssl_digest_colon("sha1", der))

    def test_explicit_pem_format(self):
        r = self.create(KeyType="rsa", KeyFormat="pem")
        self.assertTrue(r["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----"))

    # ------------------------------------------------------------ ed25519
    def test_create_ed25519(self):
        name = uniq("ed")
        r = self.create(name, KeyType="ed25519")
        self.assertIdShape("key", r["KeyPairId"])
        self.assertTrue(r["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----"),
                        r["KeyMaterial"][:40])
        fp = r["KeyFingerprint"]
        self.assertRegex(fp, B64_SHA256)
        self.assertEqual(len(fp), 44)
        path = self.write_private(r["KeyMaterial"])
        ktype, blob = self.public_from_private(path)
        self.assertEqual(ktype, "ssh-ed25519")
        d = self.describe_one(name, IncludePublicKey=True)
        self.assertEqual(d["KeyType"], "ed25519")
        self.assertEqual(d["PublicKey"].split()[:2], [ktype, blob])
        self.assertEqual(fp, self.ssh_sha256(path) + "=")
        expect = base64.b64encode(hashlib.sha256(base64.b64decode(blob)).digest()).decode()
        self.assertEqual(fp, expect)
        self.assertEqual(d["KeyFingerprint"], fp)

    def test_invalid_key_type(self):
        with self.assertEc2Error("InvalidParameterValue", status=400):
            self.ec2.create_key_pair(KeyName=uniq("bad"), KeyType="dsa")

    # ------------------------------------------------------------- import
    def test_import_rsa(self):
        path, pub = self.gen_key("rsa")
        name = uniq("imp-rsa")
        r = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=pub.encode())
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(r["KeyName"], name)
        self.assertIdShape("key", r["KeyPairId"])
        self.assertRegex(r["KeyFingerprint"], MD5_COLON)
        self.assertEqual(len(r["KeyFingerprint"]), 47)
        spki = run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"])
        self.assertEqual(r["KeyFingerprint"], openssl_digest_colon("md5", spki))
        d = self.describe_one(name, IncludePublicKey=True)
        self.assertEqual(d["KeyType"], "rsa")
        self.assertEqual(d["KeyFingerprint"], r["KeyFingerprint"])
        self.assertEqual(d["PublicKey"].split()[:2], pub.split()[:2])

    def test_import_ed25519(self):
        path, pub = self.gen_key("ed25519")
        name = uniq("imp-ed")
        r = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=pub.encode())
        self.addCleanup(self._delete_quietly, name)
        self.assertRegex(r["KeyFingerprint"], B64_SHA256)
        self.assertEqual(r["KeyFingerprint"], self.ssh_sha256(path + ".pub") + "=")
        d = self.describe_one(name, IncludePublicKey=True)
        self.assertEqual(d["KeyType"], "ed25519")
        self.assertEqual(d["PublicKey"].split()[:2], pub.split()[:2])

    def test_import_every_format_aws_takes(self):
        # RFC 4716, PEM SubjectPublicKeyInfo, PEM PKCS#1 (RSA) and base64 DER: the same key, the
        # same fingerprint and public key as the OpenSSH line gives.
        for key_type, formats in (("rsa", ("RFC4716", "PKCS8", "PEM")), ("ed25519", ("RFC4716",))):
            path, pub = self.gen_key(key_type)
            name = uniq("imp-line")
            reference = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=pub.encode())
            self.addCleanup(self._delete_quietly, name)
            exported = {f: run(["ssh-keygen", "-e", "-m", f, "-f", path + ".pub"]) for f in formats}
            if "PKCS8" in exported:
                pem = exported["PKCS8"].decode()
                der_b64 = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
                exported["base64 DER"] = der_b64.encode()
            for form, material in exported.items():
                with self.subTest(key_type=key_type, form=form):
                    name = uniq("imp-" + form.split()[0].lower())
                    r = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=material)
                    self.addCleanup(self._delete_quietly, name)
                    self.assertEqual(r["KeyFingerprint"], reference["KeyFingerprint"])
                    d = self.describe_one(name, IncludePublicKey=True)
                    self.assertEqual(d["KeyType"], key_type)
                    self.assertEqual(d["PublicKey"].split()[:2], pub.split()[:2])

    def test_import_ed25519_pem(self):
        # ssh-keygen cannot write an Ed25519 key as PEM; openssl can, and the SSH blob follows from
        # the 32 raw bytes at the end of its DER.
        work = tempfile.mkdtemp(prefix="stratus-keys-")
        self.addCleanup(shutil.rmtree, work, True)
        private = os.path.join(work, "k.pem")
        run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private])
        pem = run(["openssl", "pkey", "-in", private, "-pubout"])
        raw = run(["openssl", "pkey", "-in", private, "-pubout", "-outform", "DER"])[-32:]
        blob = b"".join(len(p).to_bytes(4, "big") + p for p in (b"ssh-ed25519", raw))
        name = uniq("imp-edpem")
        r = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=pem)
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(r["KeyFingerprint"], base64.b64encode(hashlib.sha256(blob).digest()).decode())
        d = self.describe_one(name, IncludePublicKey=True)
        self.assertEqual(d["KeyType"], "ed25519")
        self.assertEqual(d["PublicKey"].split()[:2], ["ssh-ed25519", base64.b64encode(blob).decode()])

    def test_import_with_tags(self):
        _, pub = self.gen_key("ed25519")
        name = uniq("imp-tag")
        r = self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=pub.encode(), TagSpecifications=[
            {"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "blue"}]}])
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(tags_of(r), {"team": "blue"})
        self.assertEqual(tags_of(self.describe_one(name)), {"team": "blue"})

    def test_import_garbage_is_invalid_key_format(self):
        name = uniq("garbage")
        with self.assertEc2Error(KEY_FORMAT_CODES, status=400):
            self.ec2.import_key_pair(KeyName=name, PublicKeyMaterial=b"ssh-rsa notbase64!!! x")
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2.describe_key_pairs(KeyNames=[name])

    def test_import_ecdsa_is_rejected(self):
        _, pub = self.gen_key("ecdsa")
        with self.assertEc2Error(KEY_FORMAT_CODES, status=400):
            self.ec2.import_key_pair(KeyName=uniq("ecdsa"), PublicKeyMaterial=pub.encode())

    def test_import_duplicate_name(self):
        _, pub = self.gen_key("ed25519")
        r = self.create()
        with self.assertEc2Error("InvalidKeyPair.Duplicate", status=400):
            self.ec2.import_key_pair(KeyName=r["KeyName"], PublicKeyMaterial=pub.encode())
        self.assertEqual(self.describe_one(r["KeyName"])["KeyFingerprint"], r["KeyFingerprint"])

    # ------------------------------------------------------ describe/delete
    def test_create_duplicate_name(self):
        r = self.create()
        with self.assertEc2Error("InvalidKeyPair.Duplicate", status=400) as cm:
            self.ec2.create_key_pair(KeyName=r["KeyName"])
        self.assertIn(r["KeyName"], cm.exception.response["Error"]["Message"])
        self.assertEqual(self.describe_one(r["KeyName"])["KeyPairId"], r["KeyPairId"])

    def test_describe_unknown_name(self):
        with self.assertEc2Error("InvalidKeyPair.NotFound", status=400) as cm:
            self.ec2.describe_key_pairs(KeyNames=["no-such-key-xyz"])
        self.assertIn("no-such-key-xyz", cm.exception.response["Error"]["Message"])

    def test_describe_unknown_id(self):
        with self.assertEc2Error("InvalidKeyPair.NotFound", status=400):
            self.ec2.describe_key_pairs(KeyPairIds=[MISSING["key"]])

    def test_describe_by_id_and_filters(self):
        a = self.create(TagSpecifications=[{"ResourceType": "key-pair",
                                            "Tags": [{"Key": "Name", "Value": "alpha"}]}])
        b = self.create(KeyType="ed25519")
        got = self.ec2.describe_key_pairs(KeyPairIds=[a["KeyPairId"], b["KeyPairId"]])["KeyPairs"]
        self.assertEqual(sorted(k["KeyName"] for k in got), sorted([a["KeyName"], b["KeyName"]]))

        def names(*filters):
            return sorted(k["KeyName"] for k in self.ec2.describe_key_pairs(Filters=list(filters))["KeyPairs"])

        self.assertEqual(names({"Name": "key-name", "Values": [a["KeyName"]]}), [a["KeyName"]])
        self.assertEqual(names({"Name": "key-pair-id", "Values": [b["KeyPairId"]]}), [b["KeyName"]])
        self.assertEqual(names({"Name": "fingerprint", "Values": [a["KeyFingerprint"]]}), [a["KeyName"]])
        self.assertEqual(names({"Name": "tag:Name", "Values": ["alpha"]}), [a["KeyName"]])
        self.assertEqual(names({"Name": "tag-key", "Values": ["Name"]},
                               {"Name": "key-name", "Values": [a["KeyName"], b["KeyName"]]}), [a["KeyName"]])

    def test_key_name_wildcard_filter(self):
        prefix = uniq("wild")
        for i in range(3):
            self.create("%s-%d" % (prefix, i))
        got = self.ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": [prefix + "-*"]}])["KeyPairs"]
        self.assertEqual(sorted(k["KeyName"] for k in got), ["%s-%d" % (prefix, i) for i in range(3)])

    def test_public_key_only_when_requested(self):
        r = self.create()
        self.assertNotIn("PublicKey", self.describe_one(r["KeyName"]))
        self.assertIn("PublicKey", self.describe_one(r["KeyName"], IncludePublicKey=True))

    def test_delete_by_name(self):
        name = uniq("del")
        self.ec2.create_key_pair(KeyName=name)
        r = self.ec2.delete_key_pair(KeyName=name)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2.describe_key_pairs(KeyNames=[name])
        # The name can be reused and yields a new key.
        again = self.create(name)
        self.assertEqual(again["KeyName"], name)

    def test_delete_by_id(self):
        r = self.ec2.create_key_pair(KeyName=uniq("delid"))
        self.ec2.delete_key_pair(KeyPairId=r["KeyPairId"])
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2.describe_key_pairs(KeyPairIds=[r["KeyPairId"]])

    def test_delete_unknown_name_succeeds(self):
        # AWS: DeleteKeyPair on a name that does not exist is not an error.
        r = self.ec2.delete_key_pair(KeyName="never-existed-" + uniq("x"))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_key_pairs_are_regional(self):
        name = uniq("regional")
        r = self.create(name)
        with self.assertEc2Error("InvalidKeyPair.NotFound"):
            self.ec2_apne2.describe_key_pairs(KeyNames=[name])
        other = self.ec2_apne2.create_key_pair(KeyName=name)
        self.addCleanup(self.ec2_apne2.delete_key_pair, KeyName=name)
        self.assertNotEqual(other["KeyPairId"], r["KeyPairId"])

    def test_cli_create_key_pair(self):
        name = uniq("cli")
        out = self.server.aws("ec2", "create-key-pair", "--key-name", name, "--key-type", "ed25519")
        self.addCleanup(self._delete_quietly, name)
        path = self.write_private(out["KeyMaterial"])
        self.assertEqual(self.public_from_private(path)[0], "ssh-ed25519")


if __name__ == "__main__":
    unittest.main()
