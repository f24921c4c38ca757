#!/usr/bin/env python3
"""Instance-to-instance TCP throughput through the VPC router (routed taps, security groups
in nftables), two t2.micro in one subnet, TCG here, so the guests' CPUs are the limit.

Starts a private `stratus serve` on the real base image (the tests' harness reaps everything),
boots a receiver and a sender whose group allows TCP 5001 from the sender's group, and times
`--megabytes` MiB sent with Python sockets inside the guests (the image has python3, not iperf).
Prints MiB/s for `--runs` runs.

Usage (root, base image built): python3 bench/instance_throughput.py [--megabytes 64] [--runs 3]
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "client"))

from harness import StratusServer, real_image_cache, reap, ssh_run  # noqa: E402
from instances import start_region  # noqa: E402

RECEIVER = ("python3 -c 'import socket,time\n"
            "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"\", 5001)); s.listen(1)\n"
            "c,_=s.accept(); n=0; t=time.time()\n"
            "while True:\n"
            "  b=c.recv(1<<16)\n"
            "  if not b: break\n"
            "  n+=len(b)\n"
            "print(n, time.time()-t)'")
SENDER = ("python3 -c 'import socket,sys\n"
          "c=socket.create_connection((\"%s\", 5001)); block=b\"x\"*(1<<16)\n"
          "for _ in range(%d*16): c.sendall(block)\n"
          "c.close()'")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0 or not real_image_cache():
        sys.exit("needs root and the base image (build/stratus image build)")
    server = StratusServer(image_cache=real_image_cache())
    try:
        ec2, image, key_file = start_region(server)
        sender_group = ec2.create_security_group(GroupName="sender", Description="sender")["GroupId"]
        receiver_group = ec2.create_security_group(GroupName="receiver", Description="receiver")["GroupId"]
        for group in (sender_group, receiver_group):
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.authorize_security_group_ingress(GroupId=receiver_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5001, "ToPort": 5001, "UserIdGroupPairs": [{"GroupId": sender_group}]}])
        ids = {}
        for name, group in (("receiver", receiver_group), ("sender", sender_group)):
            ids[name] = ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                          KeyName="bench", SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
        vms = {}
        for name, instance_id in ids.items():
            ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id],
                                                    WaiterConfig={"Delay": 2, "MaxAttempts": 150})
            vms[name] = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
            deadline = time.time() + 300
            while ssh_run(key_file, vms[name]["PublicIpAddress"], "true", timeout=20).returncode != 0:
                if time.time() > deadline:
                    sys.exit("no SSH to the %s" % name)
                time.sleep(2)
        receiver_ip = vms["receiver"]["PublicIpAddress"]
        for run in range(args.runs):
            listener = subprocess.Popen(
                ["ssh", "-i", key_file, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                 "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "ec2-user@" + receiver_ip, RECEIVER],
                stdout=subprocess.PIPE, text=True)
            time.sleep(3)  # the receiver's python starts slowly under TCG
            sent = ssh_run(key_file, vms["sender"]["PublicIpAddress"],
                           SENDER % (vms["receiver"]["PrivateIpAddress"], args.megabytes), timeout=600)
            received, seconds = listener.communicate(timeout=600)[0].split()
            if sent.returncode != 0 or int(received) != args.megabytes << 20:
                sys.exit("run %d: sent rc %d, received %s bytes" % (run, sent.returncode, received))
            print("run %d: %d MiB in %.1f s = %.1f MiB/s" % (run + 1, args.megabytes, float(seconds),
                                                               args.megabytes / float(seconds)))
    finally:
        reap(server)


if __name__ == "__main__":
    main()
