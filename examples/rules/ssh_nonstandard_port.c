// ssh connecting to a port other than 22 on an address outside the private ranges:
// tunnelling out, or reaching an attacker's relay.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 7

// Networks in network byte order, as the address fields are.
static const __u8 net_10[4] = {10, 0, 0, 0};
static const __u8 net_172_16[4] = {172, 16, 0, 0};
static const __u8 net_192_168[4] = {192, 168, 0, 0};
static const __u8 net_127[4] = {127, 0, 0, 0};

SEC("network_connect")
int ssh_nonstandard_port(const struct rf_network_connect *ev)
{
    if (ev->dport == 22 || ev->protocol != 6)
        return 0;
    if (!rf_str_suffix(ev, RF_NETWORK_CONNECT_EXE, RF_LIT("/ssh")))
        return 0;
    if (rf_cidr_match(ev, RF_NETWORK_CONNECT_DADDR, net_10, 4, 8) == 1 ||
        rf_cidr_match(ev, RF_NETWORK_CONNECT_DADDR, net_172_16, 4, 12) == 1 ||
        rf_cidr_match(ev, RF_NETWORK_CONNECT_DADDR, net_192_168, 4, 16) == 1 ||
        rf_cidr_match(ev, RF_NETWORK_CONNECT_DADDR, net_127, 4, 8) == 1)
        return 0;
    __u32 port = ev->dport;
    rf_alert(ev, RULE_ID, &port, sizeof(port));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
