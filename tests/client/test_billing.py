"""Per-second metering, Cost Explorer and Budgets through the aws CLI and boto3 as they are: Elastic
IPs and volumes accrue from the moment they exist, `aws ce get-cost-and-usage` grouped by service
and by tag sums to the same total, a filter narrows it, a budget shows its spend and its
notification in alarm, a budget action runs as its execution role (refused while the role does not
trust Budgets), usage survives kill -9, and `stratus bill` prints the month so far."""

import datetime
import json
import subprocess
import time
import unittest

from harness import StratusTestCase


def today_and_tomorrow():
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return today.isoformat(), (today + datetime.timedelta(days=1)).isoformat()


class CostExplorerTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ce = cls.server.client("us-east-1", service="ce")
        for team in ("red", "blue"):
            cls.ec2.allocate_address(Domain="vpc", TagSpecifications=[
                {"ResourceType": "elastic-ip", "Tags": [{"Key": "team", "Value": team}]}])
        cls.ec2.create_volume(AvailabilityZone="us-east-1a", Size=20, VolumeType="gp3", Iops=4000)
        time.sleep(2)

    def cost(self, **kw):
        start, end = today_and_tomorrow()
        return self.ce.get_cost_and_usage(TimePeriod={"Start": start, "End": end}, Granularity="DAILY",
                                          Metrics=["UnblendedCost", "UsageQuantity"], **kw)["ResultsByTime"][0]

    def test_groups_by_service_and_by_tag_sum_to_the_total(self):
        total = float(self.cost()["Total"]["UnblendedCost"]["Amount"])
        self.assertGreater(total, 0)
        by_service = self.cost(GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
        services = {g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in by_service["Groups"]}
        self.assertEqual(set(services), {"Amazon Virtual Private Cloud", "EC2 - Other"})
        by_tag = self.cost(GroupBy=[{"Type": "TAG", "Key": "team"}])
        teams = {g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in by_tag["Groups"]}
        self.assertEqual(set(teams), {"team$", "team$red", "team$blue"})
        # Asked a moment apart, each later answer includes more seconds: compare with a margin.
        self.assertAlmostEqual(sum(services.values()), total, delta=total * 0.2)
        self.assertAlmostEqual(sum(teams.values()), total, delta=total * 0.2)
        self.assertAlmostEqual(teams["team$red"], teams["team$blue"], delta=teams["team$red"] * 0.2)

    def test_the_cli_with_a_filter_and_usage_types(self):
        start, end = today_and_tomorrow()
        answer = self.server.aws("ce", "get-cost-and-usage", "--time-period", "Start=%s,End=%s" % (start, end),
                                 "--granularity", "DAILY", "--metrics", "UsageQuantity",
                                 "--group-by", "Type=DIMENSION,Key=USAGE_TYPE",
                                 "--filter", '{"Dimensions": {"Key": "SERVICE", "Values": ["EC2 - Other"]}}')
        groups = {g["Keys"][0]: g["Metrics"]["UsageQuantity"] for g in answer["ResultsByTime"][0]["Groups"]}
        self.assertEqual(set(groups), {"USE1-EBS:VolumeUsage.gp3", "USE1-EBS:VolumeP-IOPS.gp3"})
        self.assertEqual(groups["USE1-EBS:VolumeUsage.gp3"]["Unit"], "GB-Mo")
        values = self.server.aws("ce", "get-dimension-values", "--time-period", "Start=%s,End=%s" % (start, end),
                                 "--dimension", "SERVICE")
        self.assertEqual(sorted(v["Value"] for v in values["DimensionValues"]),
                         ["Amazon Virtual Private Cloud", "EC2 - Other"])
        self.assertEqual(self.server.aws("ce", "get-tags", "--time-period", "Start=%s,End=%s" % (start, end))["Tags"],
                         ["team"])

    def test_errors_as_cost_explorer_sends_them(self):
        with self.assertEc2Error("ValidationException", status=400):
            self.ce.get_cost_and_usage(TimePeriod={"Start": "2026-12-05", "End": "2026-12-01"}, Granularity="DAILY",
                                       Metrics=["UnblendedCost"])
        with self.assertEc2Error("ValidationException", status=400):
            start, end = today_and_tomorrow()
            self.ce.get_cost_and_usage(TimePeriod={"Start": start, "End": end}, Granularity="DAILY",
                                       Metrics=["UnblendedCost"], GroupBy=[{"Type": "DIMENSION", "Key": "COLOUR"}])

    def test_budgets_report_spend_and_alarm(self):
        budgets = self.server.client("us-east-1", service="budgets")
        account = self.server.client(service="sts").get_caller_identity()["Account"]
        budgets.create_budget(AccountId=account, Budget={
            "BudgetName": "tiny", "BudgetLimit": {"Amount": "0.000001", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST", "CostFilters": {"Service": ["Amazon Virtual Private Cloud"]}},
            NotificationsWithSubscribers=[{
                "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 50},
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}])
        self.addCleanup(budgets.delete_budget, AccountId=account, BudgetName="tiny")
        budget = budgets.describe_budget(AccountId=account, BudgetName="tiny")["Budget"]
        actual = float(budget["CalculatedSpend"]["ActualSpend"]["Amount"])
        self.assertGreater(actual, 0.000001)  # two Elastic IPs for a few seconds
        self.assertGreater(float(budget["CalculatedSpend"]["ForecastedSpend"]["Amount"]), actual)
        [notification] = budgets.describe_notifications_for_budget(AccountId=account, BudgetName="tiny")["Notifications"]
        self.assertEqual(notification["NotificationState"], "ALARM")
        listed = self.server.aws("budgets", "describe-budgets", "--account-id", account)["Budgets"]
        self.assertEqual([b["BudgetName"] for b in listed], ["tiny"])
        with self.assertEc2Error("DuplicateRecordException"):
            budgets.create_budget(AccountId=account, Budget={
                "BudgetName": "tiny", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST"})
        with self.assertEc2Error("NotFoundException"):
            budgets.describe_budget(AccountId=account, BudgetName="none")

    def wait_for_action(self, budgets, account, action_id, settled=("STANDBY", "EXECUTION_IN_PROGRESS")):
        """The action's status once it has left `settled` (the watcher passes every 5 s)."""
        for _ in range(60):
            status = budgets.describe_budget_action(AccountId=account, BudgetName="guard", ActionId=action_id)[
                "Action"]["Status"]
            if status not in settled:
                return status
            time.sleep(0.5)
        return status

    def test_budget_action_runs_as_its_execution_role(self):
        budgets = self.server.client("us-east-1", service="budgets")
        iam = self.server.client("us-east-1", service="iam")
        account = self.server.client(service="sts").get_caller_identity()["Account"]

        def trusting(service):
            return json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
        ec2_role = iam.create_role(RoleName="ec2-only", AssumeRolePolicyDocument=trusting("ec2.amazonaws.com"))
        stopper = iam.create_role(RoleName="budget-stopper", AssumeRolePolicyDocument=trusting("budgets.amazonaws.com"))
        iam.put_role_policy(RoleName="budget-stopper", PolicyName="stop", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["ec2:StopInstances", "ec2:StartInstances"], "Resource": "*"}]}))
        budgets.create_budget(AccountId=account, Budget={
            "BudgetName": "guard", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST", "CostFilters": {"Service": ["Amazon Virtual Private Cloud"]}})
        self.addCleanup(budgets.delete_budget, AccountId=account, BudgetName="guard")
        action = dict(AccountId=account, BudgetName="guard", NotificationType="ACTUAL", ActionType="RUN_SSM_DOCUMENTS",
                      ActionThreshold={"ActionThresholdValue": 0, "ActionThresholdType": "ABSOLUTE_VALUE"},
                      Definition={"SsmActionDefinition": {"ActionSubType": "STOP_EC2_INSTANCES", "Region": "us-east-1",
                                                          "InstanceIds": ["tag:guard=on"]}},
                      ExecutionRoleArn=ec2_role["Role"]["Arn"], ApprovalModel="AUTOMATIC",
                      Subscribers=[{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}])
        with self.assertEc2Error("InvalidParameterException"):
            budgets.create_budget_action(**dict(action, ActionType="APPLY_SCP_POLICY"))
        action_id = budgets.create_budget_action(**action)["ActionId"]
        # The Elastic IPs' spend passes $0 at once: the action runs, and fails, as its role does not trust Budgets.
        self.assertEqual(self.wait_for_action(budgets, account, action_id), "EXECUTION_FAILURE")
        histories = budgets.describe_budget_action_histories(AccountId=account, BudgetName="guard",
                                                             ActionId=action_id)["ActionHistories"]
        self.assertIn("is not authorized to perform sts:AssumeRole", histories[-1]["ActionHistoryDetails"]["Message"])
        budgets.update_budget_action(AccountId=account, BudgetName="guard", ActionId=action_id,
                                     ExecutionRoleArn=stopper["Role"]["Arn"])
        budgets.execute_budget_action(AccountId=account, BudgetName="guard", ActionId=action_id,
                                      ExecutionType="RETRY_BUDGET_ACTION")
        self.assertEqual(self.wait_for_action(budgets, account, action_id), "EXECUTION_SUCCESS")
        histories = self.server.aws("budgets", "describe-budget-action-histories", "--account-id", account,
                                    "--budget-name", "guard", "--action-id", action_id)["ActionHistories"]
        self.assertEqual([(h["EventType"], h["Status"]) for h in histories], [
            ("CREATE_ACTION", "STANDBY"), ("SYSTEM", "EXECUTION_IN_PROGRESS"), ("SYSTEM", "EXECUTION_FAILURE"),
            ("UPDATE_ACTION", "EXECUTION_FAILURE"), ("EXECUTE_ACTION", "EXECUTION_IN_PROGRESS"),
            ("SYSTEM", "EXECUTION_SUCCESS")])
        self.assertEqual(histories[-1]["ActionHistoryDetails"]["Message"], "Stopped no instance.")
        with self.assertEc2Error("InvalidParameterException"):  # done: only a reverse or a reset now
            budgets.execute_budget_action(AccountId=account, BudgetName="guard", ActionId=action_id,
                                          ExecutionType="APPROVE_BUDGET_ACTION")

    def test_iam_names_budget_calls_view_and_modify(self):
        iam = self.server.client("us-east-1", service="iam")
        iam.create_user(UserName="budget-viewer")
        iam.put_user_policy(UserName="budget-viewer", PolicyName="view", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "budgets:ViewBudget", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="budget-viewer")["AccessKey"]
        viewer = self.server.client("us-east-1", service="budgets", access_key=key["AccessKeyId"],
                                    secret_key=key["SecretAccessKey"])
        account = self.server.client(service="sts").get_caller_identity()["Account"]
        self.assertIn("Budgets", viewer.describe_budgets(AccountId=account))
        with self.assertEc2Error("AccessDeniedException", status=400) as raised:
            viewer.create_budget(AccountId=account, Budget={
                "BudgetName": "not-mine", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST"})
        self.assertIn("budgets:ModifyBudget", raised.exception.response["Error"]["Message"])
        # A budget action hands Budgets a role: that takes iam:PassRole on it.
        iam.put_user_policy(UserName="budget-viewer", PolicyName="actions", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["budgets:ModifyBudget", "budgets:CreateBudgetAction"], "Resource": "*"}]}))
        viewer.create_budget(AccountId=account, Budget={
            "BudgetName": "passing", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"})
        self.addCleanup(self.server.client("us-east-1", service="budgets").delete_budget, AccountId=account,
                        BudgetName="passing")
        action = dict(AccountId=account, BudgetName="passing", NotificationType="ACTUAL", ActionType="RUN_SSM_DOCUMENTS",
                      ActionThreshold={"ActionThresholdValue": 90, "ActionThresholdType": "PERCENTAGE"},
                      Definition={"SsmActionDefinition": {"ActionSubType": "STOP_EC2_INSTANCES", "Region": "us-east-1",
                                                          "InstanceIds": ["all"]}},
                      ExecutionRoleArn="arn:aws:iam::%s:role/anyone" % account, ApprovalModel="MANUAL",
                      Subscribers=[{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}])
        with self.assertEc2Error("AccessDeniedException", status=400) as raised:
            viewer.create_budget_action(**action)
        self.assertIn("iam:PassRole", raised.exception.response["Error"]["Message"])
        iam.put_user_policy(UserName="budget-viewer", PolicyName="pass", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                                                    "Condition": {"StringEquals": {"iam:PassedToService": "budgets.amazonaws.com"}}}]}))
        self.assertIn("ActionId", viewer.create_budget_action(**action))

    def test_usage_survives_kill_9_and_the_bill_prints_it(self):
        before = float(self.cost()["Total"]["UsageQuantity"]["Amount"])
        self.server.restart(kill=True)
        self.__class__.ce = self.server.client("us-east-1", service="ce")
        after = float(self.cost()["Total"]["UsageQuantity"]["Amount"])
        self.assertGreaterEqual(after, before)  # the open segments were committed with the records
        bill = subprocess.run([self.server.binary, "bill", "--data-dir", self.server.data_dir]
                              + (["--store", self.server.store_url] if self.server.store_url else []),
                              capture_output=True, text=True, timeout=30, env=self.server.server_env())
        self.assertEqual(bill.returncode, 0, bill.stderr)
        self.assertIn("USE1-PublicIPv4:IdleAddress", bill.stdout)
        self.assertIn("EC2 - Other", bill.stdout)
        self.assertIn("TOTAL ", bill.stdout)


if __name__ == "__main__":
    unittest.main()
