#pragma once
// What each VPC's firewall must say, read from the store: every network interface with a port
// on this host (its instance pending, running or stopping) gets the rules of its security
// groups (and its subnet's network ACL, entries in rule-number order), with group references resolved to the private addresses of the interfaces in the
// referenced group (as on AWS: members' private IPs, whatever subnet they are in), and is cut
// off from the internet unless its subnet's route table (its own association, else the VPC's
// main table) routes the host's edge address to an internet gateway attached to the VPC.

#include <map>
#include <string>
#include <vector>

#include "net/firewall_ruleset.h"
#include "reconciler/router_view.h"
#include "store/store.h"

namespace stratus::reconciler {

// VPC id -> its router's firewall: each interface's (ordered by instance, then interface) and
// each subnet's network ACL, unless that ACL lets everything through.
// `tables` says which route table decides for each subnet; `host_edge_address` is the host's
// address on its link to the edge (the network slot's), which stands for the internet.
std::map<std::string, net::VpcFirewall> vpc_firewalls(store::Transaction& txn, const RouteTableLookup& tables,
                                                      const std::string& host_edge_address);

}  // namespace stratus::reconciler
