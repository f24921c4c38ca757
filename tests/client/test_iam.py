"""IAM through boto3's `iam` client and `aws iam`: users, groups and membership, access keys (a
user's key signs requests as that user; an inactive or deleted key is refused), managed policies
with versions (the account's own and AWS's), inline policies, roles with trust policies, and
instance profiles. Each error is AWS's code and message, and a refused call changes nothing."""

import json
import unittest

from harness import StratusTestCase

TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ_EC2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}


def policy(*actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


class IamBase(StratusTestCase):
    """Clients and helpers shared by the IAM test classes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("us-east-1", service="iam")
        cls.account = cls.server.client("us-east-1", service="sts").get_caller_identity()["Account"]

    def error(self, code, message=None, status=None):
        """assertEc2Error with the message checked too (None: any)."""
        outer = self

        class Check:
            def __enter__(self):
                self.inner = outer.assertEc2Error(code, status=status)
                self.raised = self.inner.__enter__()
                return self.raised

            def __exit__(self, *exc):
                result = self.inner.__exit__(*exc)
                if message is not None:
                    outer.assertEqual(self.raised.exception.response["Error"]["Message"], message)
                return result
        return Check()

    def new_user(self, name, **kwargs):
        user = self.iam.create_user(UserName=name, **kwargs)["User"]
        self.addCleanup(self.quietly, self.iam.delete_user, UserName=name)
        return user

    def quietly(self, fn, **kwargs):
        try:
            fn(**kwargs)
        except Exception:
            pass


class IamTest(IamBase):

    def test_users(self):
        user = self.new_user("alice", Path="/team/", Tags=[{"Key": "dept", "Value": "eng"}])
        self.assertEqual(user["Arn"], "arn:aws:iam::%s:user/team/alice" % self.account)
        self.assertTrue(user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21)
        got = self.iam.get_user(UserName="alice")["User"]
        self.assertEqual((got["UserId"], got["Tags"]), (user["UserId"], [{"Key": "dept", "Value": "eng"}]))
        with self.error("EntityAlreadyExists", "User with name ALICE already exists.", status=409):
            self.iam.create_user(UserName="ALICE")  # names are unique without regard to case
        with self.error("NoSuchEntity", "The user with name nobody cannot be found.", status=404):
            self.iam.get_user(UserName="nobody")
        with self.error("ValidationError"):
            self.iam.create_user(UserName="bad name!")
        with self.error("ValidationError"):
            self.iam.create_user(UserName="x", Path="no-slashes")
        self.assertEqual([u["UserName"] for u in self.iam.list_users()["Users"]], ["alice"])

        self.new_user("bob")
        page = self.iam.list_users(MaxItems=1)
        self.assertTrue(page["IsTruncated"])
        rest = self.iam.list_users(Marker=page["Marker"])
        self.assertEqual([u["UserName"] for u in page["Users"] + rest["Users"]], ["alice", "bob"])
        self.assertEqual([u["UserName"] for u in self.iam.list_users(PathPrefix="/team/")["Users"]], ["alice"])

        self.iam.update_user(UserName="bob", NewUserName="robert", NewPath="/ops/")
        self.addCleanup(self.quietly, self.iam.delete_user, UserName="robert")
        self.assertEqual(self.iam.get_user(UserName="robert")["User"]["Arn"],
                         "arn:aws:iam::%s:user/ops/robert" % self.account)
        self.iam.tag_user(UserName="robert", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.iam.untag_user(UserName="robert", TagKeys=["a"])
        self.assertEqual(self.iam.list_user_tags(UserName="robert")["Tags"], [{"Key": "b", "Value": "2"}])
        self.iam.delete_user(UserName="robert")
        with self.error("NoSuchEntity"):
            self.iam.get_user(UserName="robert")

    def test_login_profiles(self):
        self.new_user("dana")
        with self.error("NoSuchEntity", "Login Profile for User dana cannot be found.", status=404):
            self.iam.get_login_profile(UserName="dana")
        for weak in ("short1A", "alllowercaseletters", "12345678"):  # AWS's default password policy
            with self.error("PasswordPolicyViolation"):
                self.iam.create_login_profile(UserName="dana", Password=weak)
        created = self.iam.create_login_profile(UserName="dana", Password="Dana-pass-1", PasswordResetRequired=True)
        self.addCleanup(self.quietly, self.iam.delete_login_profile, UserName="dana")
        self.assertEqual((created["LoginProfile"]["UserName"], created["LoginProfile"]["PasswordResetRequired"]),
                         ("dana", True))
        self.assertNotIn("Password", created["LoginProfile"])
        with self.error("EntityAlreadyExists", "Login Profile for user dana already exists.", status=409):
            self.iam.create_login_profile(UserName="dana", Password="Dana-pass-2")
        self.iam.update_login_profile(UserName="dana", Password="Dana-pass-3", PasswordResetRequired=False)
        got = self.iam.get_login_profile(UserName="dana")["LoginProfile"]
        self.assertEqual((got["UserName"], got["PasswordResetRequired"]), ("dana", False))
        self.assertEqual(got["CreateDate"], created["LoginProfile"]["CreateDate"])
        with self.error("DeleteConflict", "Cannot delete entity, must delete login profile first.", status=409):
            self.iam.delete_user(UserName="dana")
        self.iam.delete_login_profile(UserName="dana")
        with self.error("NoSuchEntity"):
            self.iam.get_login_profile(UserName="dana")
        with self.error("NoSuchEntity"):
            self.iam.create_login_profile(UserName="nobody", Password="Dana-pass-1")

    def test_root_get_user_and_caller_identity(self):
        root = self.iam.get_user()["User"]
        self.assertEqual(root["Arn"], "arn:aws:iam::%s:root" % self.account)

    def test_access_keys_sign_as_their_user(self):
        self.new_user("carol")
        first = self.iam.create_access_key(UserName="carol")["AccessKey"]
        self.addCleanup(self.quietly, self.iam.delete_access_key, UserName="carol", AccessKeyId=first["AccessKeyId"])
        second = self.iam.create_access_key(UserName="carol")["AccessKey"]
        self.addCleanup(self.quietly, self.iam.delete_access_key, UserName="carol", AccessKeyId=second["AccessKeyId"])
        self.assertTrue(first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20)
        self.assertEqual(len(first["SecretAccessKey"]), 40)
        with self.error("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", status=409):
            self.iam.create_access_key(UserName="carol")
        listed = self.iam.list_access_keys(UserName="carol")["AccessKeyMetadata"]
        self.assertEqual(sorted(k["AccessKeyId"] for k in listed), sorted([first["AccessKeyId"], second["AccessKeyId"]]))

        sts = self.server.client("us-east-1", service="sts", access_key=first["AccessKeyId"],
                                 secret_key=first["SecretAccessKey"])
        me = sts.get_caller_identity()
        self.assertEqual(me["Arn"], "arn:aws:iam::%s:user/carol" % self.account)
        used = self.iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])
        self.assertEqual((used["UserName"], used["AccessKeyLastUsed"]["ServiceName"]), ("carol", "sts"))
        # The user's own view, once a policy lets it see itself: GetUser without naming itself.
        self.iam.put_user_policy(UserName="carol", PolicyName="self", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser",
                                                    "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
        self.addCleanup(self.quietly, self.iam.delete_user_policy, UserName="carol", PolicyName="self")
        own = self.server.client("us-east-1", service="iam", access_key=first["AccessKeyId"],
                                 secret_key=first["SecretAccessKey"])
        self.assertEqual(own.get_user()["User"]["UserName"], "carol")
        with self.error("AccessDenied", "User: arn:aws:iam::%s:user/carol is not authorized to perform: iam:GetUser "
                                        "on resource: arn:aws:iam::%s:user/nobody because no identity-based policy "
                                        "allows the iam:GetUser action" % (self.account, self.account)):
            own.get_user(UserName="nobody")  # only itself

        self.iam.update_access_key(UserName="carol", AccessKeyId=first["AccessKeyId"], Status="Inactive")
        with self.assertEc2Error(("InvalidClientTokenId", "AuthFailure")):
            sts.get_caller_identity()
        self.iam.update_access_key(UserName="carol", AccessKeyId=first["AccessKeyId"], Status="Active")
        self.assertEqual(sts.get_caller_identity()["Arn"], me["Arn"])

        with self.error("DeleteConflict", "Cannot delete entity, must delete access keys first.", status=409):
            self.iam.delete_user(UserName="carol")
        self.iam.delete_access_key(UserName="carol", AccessKeyId=first["AccessKeyId"])
        with self.assertEc2Error(("InvalidClientTokenId", "AuthFailure")):
            sts.get_caller_identity()
        with self.error("NoSuchEntity", "The Access Key with id %s cannot be found." % first["AccessKeyId"]):
            self.iam.delete_access_key(UserName="carol", AccessKeyId=first["AccessKeyId"])

    def test_keys_belong_to_their_user_whatever_the_case(self):
        self.new_user("Hank")
        key = self.iam.create_access_key(UserName="hank")["AccessKey"]
        self.addCleanup(self.quietly, self.iam.delete_access_key, UserName="Hank", AccessKeyId=key["AccessKeyId"])
        self.assertEqual(key["UserName"], "Hank")
        listed = self.iam.list_access_keys(UserName="HANK")["AccessKeyMetadata"]
        self.assertEqual([k["AccessKeyId"] for k in listed], [key["AccessKeyId"]])
        with self.error("DeleteConflict", "Cannot delete entity, must delete access keys first."):
            self.iam.delete_user(UserName="Hank")

    def test_groups_and_membership(self):
        self.new_user("dave")
        group = self.iam.create_group(GroupName="devs")["Group"]
        self.addCleanup(self.quietly, self.iam.delete_group, GroupName="devs")
        self.assertTrue(group["GroupId"].startswith("AGPA"))
        self.iam.add_user_to_group(GroupName="devs", UserName="dave")
        got = self.iam.get_group(GroupName="devs")
        self.assertEqual([u["UserName"] for u in got["Users"]], ["dave"])
        self.assertEqual([g["GroupName"] for g in self.iam.list_groups_for_user(UserName="dave")["Groups"]], ["devs"])
        with self.error("DeleteConflict", "Cannot delete entity, must remove users from group first."):
            self.iam.delete_group(GroupName="devs")
        with self.error("DeleteConflict", "Cannot delete entity, must remove users from group first."):
            self.iam.delete_user(UserName="dave")
        self.iam.update_group(GroupName="devs", NewGroupName="developers")
        self.addCleanup(self.quietly, self.iam.delete_group, GroupName="developers")
        self.assertEqual([g["GroupName"] for g in self.iam.list_groups_for_user(UserName="dave")["Groups"]],
                         ["developers"])
        self.iam.remove_user_from_group(GroupName="developers", UserName="dave")
        self.assertEqual(self.iam.get_group(GroupName="developers")["Users"], [])
        self.iam.delete_group(GroupName="developers")

    def test_managed_policies_and_versions(self):
        with self.error("MalformedPolicyDocument", "Syntax errors in policy."):
            self.iam.create_policy(PolicyName="bad", PolicyDocument="{not json")
        with self.error("MalformedPolicyDocument", "Policy document should not specify a principal."):
            self.iam.create_policy(PolicyName="bad", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                        "Resource": "*"}]}))
        created = self.iam.create_policy(PolicyName="ReadEc2", PolicyDocument=json.dumps(READ_EC2),
                                         Description="read EC2")["Policy"]
        arn = created["Arn"]
        self.addCleanup(self.quietly, self.iam.delete_policy, PolicyArn=arn)
        self.assertEqual(arn, "arn:aws:iam::%s:policy/ReadEc2" % self.account)
        self.assertEqual((created["DefaultVersionId"], created["AttachmentCount"]), ("v1", 0))
        with self.error("EntityAlreadyExists",
                        "A policy called ReadEc2 already exists. Duplicate names are not allowed."):
            self.iam.create_policy(PolicyName="ReadEc2", PolicyDocument=json.dumps(READ_EC2))
        version = self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        self.assertEqual(version["Document"], READ_EC2)  # URL-encoded on the wire, decoded by boto3
        for n in range(2, 6):
            made = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy("ec2:Describe*", "s3:List*"),
                                                  SetAsDefault=(n == 5))["PolicyVersion"]
            self.assertEqual(made["VersionId"], "v%d" % n)
        with self.error("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new "
                                         "version, you must delete an existing version."):
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy("s3:*"))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v5")
        with self.error("DeleteConflict", "Cannot delete the default version of a policy."):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId="v5")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
        versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual([(v["VersionId"], v["IsDefaultVersion"]) for v in versions],
                         [("v5", False), ("v4", False), ("v3", True), ("v1", False)])

        self.new_user("erin")
        self.iam.attach_user_policy(UserName="erin", PolicyArn=arn)
        self.iam.attach_user_policy(UserName="erin", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2FullAccess")
        attached = self.iam.list_attached_user_policies(UserName="erin")["AttachedPolicies"]
        self.assertEqual([p["PolicyName"] for p in attached], ["ReadEc2", "AmazonEC2FullAccess"])
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        users = self.iam.list_entities_for_policy(PolicyArn=arn)["PolicyUsers"]
        self.assertEqual([u["UserName"] for u in users], ["erin"])
        with self.error("NoSuchEntity", "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not "
                                        "attachable."):
            self.iam.attach_user_policy(UserName="erin", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
        with self.error("DeleteConflict", "Cannot delete a policy attached to entities."):
            self.iam.delete_policy(PolicyArn=arn)
        with self.error("DeleteConflict", "Cannot delete entity, must detach all policies first."):
            self.iam.delete_user(UserName="erin")
        self.iam.detach_user_policy(UserName="erin", PolicyArn=arn)
        with self.error("NoSuchEntity", "Policy %s was not found." % arn):
            self.iam.detach_user_policy(UserName="erin", PolicyArn=arn)
        self.iam.detach_user_policy(UserName="erin", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2FullAccess")
        with self.error("DeleteConflict"):  # versions other than the default are left
            self.iam.delete_policy(PolicyArn=arn)
        for v in ("v1", "v4", "v5"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=v)
        self.iam.delete_policy(PolicyArn=arn)
        with self.error("NoSuchEntity", "Policy %s was not found." % arn):
            self.iam.get_policy(PolicyArn=arn)

    def test_aws_managed_policies(self):
        names = [p["PolicyName"] for p in self.iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]]
        for name in ("AdministratorAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonS3FullAccess",
                     "IAMFullAccess", "PowerUserAccess", "ReadOnlyAccess"):
            self.assertIn(name, names)
        admin = self.iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")["Policy"]
        document = self.iam.get_policy_version(PolicyArn=admin["Arn"], VersionId=admin["DefaultVersionId"])
        self.assertEqual(document["PolicyVersion"]["Document"]["Statement"],
                         [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        self.assertEqual(self.iam.list_policies(Scope="Local")["Policies"], [])
        with self.assertEc2Error("AccessDenied"):
            self.iam.delete_policy(PolicyArn=admin["Arn"])

    def test_inline_policies(self):
        self.new_user("frank")
        self.iam.put_user_policy(UserName="frank", PolicyName="read", PolicyDocument=json.dumps(READ_EC2))
        got = self.iam.get_user_policy(UserName="frank", PolicyName="read")
        self.assertEqual(got["PolicyDocument"], READ_EC2)
        self.assertEqual(self.iam.list_user_policies(UserName="frank")["PolicyNames"], ["read"])
        with self.error("MalformedPolicyDocument", "Policy statement must contain resources."):
            self.iam.put_user_policy(UserName="frank", PolicyName="bad", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}))
        big = policy(*["ec2:Describe%s%d" % ("X" * 40, i) for i in range(60)])
        with self.error("LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user frank"):
            self.iam.put_user_policy(UserName="frank", PolicyName="big", PolicyDocument=big)
        self.assertEqual(self.iam.list_user_policies(UserName="frank")["PolicyNames"], ["read"])
        with self.error("DeleteConflict", "Cannot delete entity, must delete policies first."):
            self.iam.delete_user(UserName="frank")
        self.iam.delete_user_policy(UserName="frank", PolicyName="read")
        with self.error("NoSuchEntity", "The user policy with name read cannot be found."):
            self.iam.get_user_policy(UserName="frank", PolicyName="read")

    def test_roles(self):
        with self.error("MalformedPolicyDocument", "Has prohibited field Resource"):
            self.iam.create_role(RoleName="bad", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                        "Action": "sts:AssumeRole", "Resource": "*"}]}))
        ghost = "arn:aws:iam::%s:user/ghost" % self.account
        with self.error("MalformedPolicyDocument", 'Invalid principal in policy: "AWS":"%s"' % ghost):
            self.iam.create_role(RoleName="bad", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ghost},
                                                        "Action": "sts:AssumeRole"}]}))
        unchecked = self.server.client("us-east-1", service="iam", validate=False)  # botocore checks the minimum
        with self.error("ValidationError", "1 validation error detected: Value '100' at 'maxSessionDuration' failed "
                                           "to satisfy constraint: Member must have value greater than or equal to 3600"):
            unchecked.create_role(RoleName="bad", AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
                                  MaxSessionDuration=100)
        with self.assertEc2Error("NoSuchEntity"):
            self.iam.get_role(RoleName="bad")  # nothing of the refused calls was kept

        role = self.iam.create_role(RoleName="app", Path="/svc/", AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
                                    Description="the app", MaxSessionDuration=7200)["Role"]
        self.addCleanup(self.quietly, self.iam.delete_role, RoleName="app")
        self.assertEqual(role["Arn"], "arn:aws:iam::%s:role/svc/app" % self.account)
        self.assertTrue(role["RoleId"].startswith("AROA"))
        got = self.iam.get_role(RoleName="app")["Role"]
        self.assertEqual((got["AssumeRolePolicyDocument"], got["MaxSessionDuration"], got["Description"]),
                         (TRUST_EC2, 7200, "the app"))
        self.iam.update_role(RoleName="app", MaxSessionDuration=3600)
        self.iam.tag_role(RoleName="app", Tags=[{"Key": "tier", "Value": "web"}])
        self.iam.put_role_permissions_boundary(RoleName="app",
                                               PermissionsBoundary="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        got = self.iam.get_role(RoleName="app")["Role"]
        self.assertEqual(got["PermissionsBoundary"]["PermissionsBoundaryArn"],
                         "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        self.assertEqual(got["Tags"], [{"Key": "tier", "Value": "web"}])
        self.new_user("gina")
        trust_gina = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/gina" % self.account},
             "Action": "sts:AssumeRole"}]}
        self.iam.update_assume_role_policy(RoleName="app", PolicyDocument=json.dumps(trust_gina))
        self.assertEqual(self.iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"], trust_gina)
        self.iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=json.dumps(READ_EC2))
        self.iam.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        self.assertEqual([r["RoleName"] for r in self.iam.list_roles(PathPrefix="/svc/")["Roles"]], ["app"])
        with self.error("DeleteConflict", "Cannot delete entity, must delete policies first."):
            self.iam.delete_role(RoleName="app")
        self.iam.delete_role_policy(RoleName="app", PolicyName="inline")
        with self.error("DeleteConflict", "Cannot delete entity, must detach all policies first."):
            self.iam.delete_role(RoleName="app")
        self.iam.detach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        self.iam.delete_role(RoleName="app")

    def test_instance_profiles(self):
        self.iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        self.addCleanup(self.quietly, self.iam.delete_role, RoleName="web")
        self.iam.create_role(RoleName="other", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        self.addCleanup(self.quietly, self.iam.delete_role, RoleName="other")
        profile = self.iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
        self.addCleanup(self.quietly, self.iam.delete_instance_profile, InstanceProfileName="web-profile")
        self.assertTrue(profile["InstanceProfileId"].startswith("AIPA"))
        self.assertEqual(profile["Arn"], "arn:aws:iam::%s:instance-profile/web-profile" % self.account)
        with self.error("EntityAlreadyExists", "Instance Profile web-profile already exists."):
            self.iam.create_instance_profile(InstanceProfileName="web-profile")
        self.iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
        with self.error("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"):
            self.iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="other")
        got = self.iam.get_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in got["Roles"]], ["web"])
        for_role = self.iam.list_instance_profiles_for_role(RoleName="web")["InstanceProfiles"]
        self.assertEqual([p["InstanceProfileName"] for p in for_role], ["web-profile"])
        with self.error("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."):
            self.iam.delete_role(RoleName="web")
        with self.error("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."):
            self.iam.delete_instance_profile(InstanceProfileName="web-profile")
        self.iam.remove_role_from_instance_profile(InstanceProfileName="web-profile", RoleName="web")
        self.iam.delete_instance_profile(InstanceProfileName="web-profile")
        with self.error("NoSuchEntity", "Instance Profile web-profile cannot be found.", status=404):
            self.iam.get_instance_profile(InstanceProfileName="web-profile")

    def test_account_authorization_details(self):
        self.new_user("auditor")
        self.iam.create_group(GroupName="readers")
        self.addCleanup(self.quietly, self.iam.delete_group, GroupName="readers")
        self.iam.add_user_to_group(GroupName="readers", UserName="auditor")
        self.addCleanup(self.quietly, self.iam.remove_user_from_group, GroupName="readers", UserName="auditor")
        self.iam.put_user_policy(UserName="auditor", PolicyName="own", PolicyDocument=json.dumps(READ_EC2))
        self.addCleanup(self.quietly, self.iam.delete_user_policy, UserName="auditor", PolicyName="own")
        aws_read = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
        self.iam.attach_group_policy(GroupName="readers", PolicyArn=aws_read)
        self.addCleanup(self.quietly, self.iam.detach_group_policy, GroupName="readers", PolicyArn=aws_read)
        local = self.iam.create_policy(PolicyName="local-read", PolicyDocument=json.dumps(READ_EC2))["Policy"]["Arn"]
        self.addCleanup(self.quietly, self.iam.delete_policy, PolicyArn=local)
        self.iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        self.addCleanup(self.quietly, self.iam.delete_role, RoleName="app")
        self.iam.create_instance_profile(InstanceProfileName="app-profile")
        self.addCleanup(self.quietly, self.iam.delete_instance_profile, InstanceProfileName="app-profile")
        self.iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
        self.addCleanup(self.quietly, self.iam.remove_role_from_instance_profile, InstanceProfileName="app-profile",
                        RoleName="app")

        details = self.iam.get_account_authorization_details()
        self.assertFalse(details["IsTruncated"])
        [user] = [u for u in details["UserDetailList"] if u["UserName"] == "auditor"]
        self.assertEqual(user["GroupList"], ["readers"])
        self.assertEqual(user["UserPolicyList"][0]["PolicyName"], "own")
        self.assertEqual(user["UserPolicyList"][0]["PolicyDocument"], READ_EC2)  # botocore decodes it
        [group] = [g for g in details["GroupDetailList"] if g["GroupName"] == "readers"]
        self.assertEqual(group["AttachedManagedPolicies"],
                         [{"PolicyName": "AmazonEC2ReadOnlyAccess", "PolicyArn": aws_read}])
        [role] = [r for r in details["RoleDetailList"] if r["RoleName"] == "app"]
        self.assertEqual([p["InstanceProfileName"] for p in role["InstanceProfileList"]], ["app-profile"])
        arns = [p["Arn"] for p in details["Policies"]]
        self.assertIn(local, arns)
        self.assertIn(aws_read, arns)  # AWS's, because it is attached
        self.assertNotIn("arn:aws:iam::aws:policy/AdministratorAccess", arns)
        [mine] = [p for p in details["Policies"] if p["Arn"] == local]
        self.assertEqual(mine["PolicyVersionList"][0]["Document"], READ_EC2)
        # Filter, and one Marker paging through every list.
        only_roles = self.iam.get_account_authorization_details(Filter=["Role"])
        self.assertEqual((only_roles["UserDetailList"], only_roles["Policies"]), ([], []))
        seen, marker = [], None
        while True:
            kw = {"Marker": marker} if marker else {}
            page = self.iam.get_account_authorization_details(MaxItems=1, **kw)
            seen += page["UserDetailList"] + page["GroupDetailList"] + page["RoleDetailList"] + page["Policies"]
            if not page["IsTruncated"]:
                break
            marker = page["Marker"]
        total = sum(len(details[k]) for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"))
        self.assertEqual(len(seen), total)

    def test_aws_cli(self):
        made = self.server.aws("iam", "create-user", "--user-name", "cli-user")
        self.addCleanup(self.quietly, self.iam.delete_user, UserName="cli-user")
        self.assertEqual(made["User"]["UserName"], "cli-user")
        self.server.aws("iam", "attach-user-policy", "--user-name", "cli-user", "--policy-arn",
                        "arn:aws:iam::aws:policy/ReadOnlyAccess")
        attached = self.server.aws("iam", "list-attached-user-policies", "--user-name", "cli-user")
        self.assertEqual([p["PolicyName"] for p in attached["AttachedPolicies"]], ["ReadOnlyAccess"])
        self.server.aws("iam", "detach-user-policy", "--user-name", "cli-user", "--policy-arn",
                        "arn:aws:iam::aws:policy/ReadOnlyAccess")
        self.server.aws("iam", "delete-user", "--user-name", "cli-user")
        self.assertNotIn("cli-user", [u["UserName"] for u in self.iam.list_users()["Users"]])


class IamEnforcementTest(IamBase):
    """A user's calls are allowed or refused as its policies say, in every service, from the
    moment IAM changes; the root may do anything. (Resource-level ARNs are not yet evaluated:
    every action is checked against resource "*".)"""

    def user_with_key(self, name, *policy_arns):
        self.new_user(name)
        for arn in policy_arns:
            self.iam.attach_user_policy(UserName=name, PolicyArn=arn)
            self.addCleanup(self.quietly, self.iam.detach_user_policy, UserName=name, PolicyArn=arn)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.addCleanup(self.quietly, self.iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
        return lambda service: self.server.client("us-east-1", service=service, access_key=key["AccessKeyId"],
                                                  secret_key=key["SecretAccessKey"])

    def arn(self, name):
        return "arn:aws:iam::%s:user/%s" % (self.account, name)

    def test_ec2_full_access_user(self):
        as_dev = self.user_with_key("dev", "arn:aws:iam::aws:policy/AmazonEC2FullAccess")
        as_dev("ec2").describe_vpcs()
        self.assertEqual(as_dev("sts").get_caller_identity()["Arn"], self.arn("dev"))
        with self.error("AccessDenied", "User: %s is not authorized to perform: iam:ListUsers because no "
                                        "identity-based policy allows the iam:ListUsers action" % self.arn("dev"),
                        status=403):
            as_dev("iam").list_users()

    def test_no_policy_is_implicit_deny_and_changes_nothing(self):
        as_nobody = self.user_with_key("nobody")
        before = len(self.ec2.describe_vpcs()["Vpcs"])
        with self.assertEc2Error("UnauthorizedOperation", status=403) as raised:
            as_nobody("ec2").create_vpc(CidrBlock="10.9.0.0/16")
        message, encoded = raised.exception.response["Error"]["Message"].split(
            ". Encoded authorization failure message: ")
        self.assertEqual(message, "You are not authorized to perform this operation. User: %s is not authorized to "
                                  "perform: ec2:CreateVpc on resource: arn:aws:ec2:us-east-1:%s:vpc/* because no "
                                  "identity-based policy allows the ec2:CreateVpc action"
                         % (self.arn("nobody"), self.account))
        decoded = json.loads(self.server.client(service="sts").decode_authorization_message(
            EncodedMessage=encoded)["DecodedMessage"])
        self.assertEqual(decoded["context"]["action"], "ec2:CreateVpc")
        self.assertEqual(len(self.ec2.describe_vpcs()["Vpcs"]), before)
        # A grant takes effect at once, and so does its removal.
        self.iam.put_user_policy(UserName="nobody", PolicyName="vpcs", PolicyDocument=policy("ec2:DescribeVpcs"))
        self.addCleanup(self.quietly, self.iam.delete_user_policy, UserName="nobody", PolicyName="vpcs")
        as_nobody("ec2").describe_vpcs()
        self.iam.delete_user_policy(UserName="nobody", PolicyName="vpcs")
        with self.assertEc2Error("UnauthorizedOperation"):
            as_nobody("ec2").describe_vpcs()

    def test_explicit_deny_groups_and_boundaries(self):
        as_ops = self.user_with_key("ops", "arn:aws:iam::aws:policy/AdministratorAccess")
        self.iam.put_user_policy(UserName="ops", PolicyName="no-vpcs", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}))
        self.addCleanup(self.quietly, self.iam.delete_user_policy, UserName="ops", PolicyName="no-vpcs")
        with self.error("UnauthorizedOperation", "You are not authorized to perform this operation. User: %s is not "
                                                 "authorized to perform: ec2:DescribeVpcs with an explicit deny in "
                                                 "an identity-based policy" % self.arn("ops")):
            as_ops("ec2").describe_vpcs()
        as_ops("ec2").describe_subnets()

        self.iam.put_user_permissions_boundary(UserName="ops",
                                               PermissionsBoundary="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        with self.error("AccessDenied", "User: %s is not authorized to perform: iam:ListRoles because no "
                                        "permissions boundary allows the iam:ListRoles action" % self.arn("ops")):
            as_ops("iam").list_roles()
        self.iam.delete_user_permissions_boundary(UserName="ops")
        as_ops("iam").list_roles()

        as_reader = self.user_with_key("reader")
        self.iam.create_group(GroupName="readers")
        self.addCleanup(self.quietly, self.iam.delete_group, GroupName="readers")
        self.iam.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        self.addCleanup(self.quietly, self.iam.detach_group_policy, GroupName="readers",
                        PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        self.iam.add_user_to_group(GroupName="readers", UserName="reader")
        self.addCleanup(self.quietly, self.iam.remove_user_from_group, GroupName="readers", UserName="reader")
        as_reader("ec2").describe_vpcs()
        with self.assertEc2Error("UnauthorizedOperation"):
            as_reader("ec2").create_vpc(CidrBlock="10.8.0.0/16")


class IamSimulationTest(IamBase):
    """The policy simulator answers from the evaluator that enforces calls."""

    def test_simulate_custom_policy(self):
        allow = policy("s3:GetObject")
        deny = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}]})
        results = self.iam.simulate_custom_policy(
            PolicyInputList=[allow, deny], ActionNames=["s3:GetObject", "s3:PutObject"],
            ResourceArns=["arn:aws:s3:::public/a", "arn:aws:s3:::secret/b"])["EvaluationResults"]
        decided = {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}
        self.assertEqual(decided, {("s3:GetObject", "arn:aws:s3:::public/a"): "allowed",
                                   ("s3:GetObject", "arn:aws:s3:::secret/b"): "explicitDeny",
                                   ("s3:PutObject", "arn:aws:s3:::public/a"): "implicitDeny",
                                   ("s3:PutObject", "arn:aws:s3:::secret/b"): "implicitDeny"})
        with_ip = self.iam.simulate_custom_policy(
            PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})],
            ActionNames=["ec2:RunInstances"],
            ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"],
                             "ContextKeyType": "ip"}])["EvaluationResults"]
        self.assertEqual(with_ip[0]["EvalDecision"], "allowed")
        with self.error("MalformedPolicyDocument"):
            self.iam.simulate_custom_policy(PolicyInputList=["{}"], ActionNames=["s3:GetObject"])

    def test_simulate_principal_policy(self):
        user = self.new_user("sim")
        self.iam.attach_user_policy(UserName="sim", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        self.addCleanup(self.quietly, self.iam.detach_user_policy, UserName="sim",
                        PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        results = self.iam.simulate_principal_policy(PolicySourceArn=user["Arn"],
                                                     ActionNames=["ec2:DescribeVpcs", "ec2:CreateVpc"])
        self.assertEqual([r["EvalDecision"] for r in results["EvaluationResults"]], ["allowed", "implicitDeny"])
        with self.error("NoSuchEntity"):
            self.iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::%s:user/ghost" % self.account,
                                               ActionNames=["ec2:DescribeVpcs"])


if __name__ == "__main__":
    unittest.main()
