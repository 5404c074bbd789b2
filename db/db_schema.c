/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one declaration of Tula's configuration hierarchy, and the value
 * types every statement uses. Adding a statement is adding a node here: the
 * shell, Lua, the parsers, the renderers and validation all walk this table.
 *
 * Nodes are declared bottom-up (children before parents) as static structs;
 * schema_init() fills parent links, child positions and reference targets once.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/tula_net.h"
#include "db/db_int.h"

#define KIDS(arr)  .children = (arr), .nchildren = ARRAY_SIZE(arr)
#define ENUMS(arr) .enums = (arr), .nenums = ARRAY_SIZE(arr)
#define STR_(x)	   #x
#define STR(x)	   STR_(x) /* a numeric macro as a string literal */

/* --- system ------------------------------------------------------------------- */

static struct db_snode s_host_name = {
	.name = "host-name",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_HOSTNAME,
	.help = "Host name of this Tula (shown in the prompt)",
	.value_name = "name",
	.value_help = "host name: letters, digits, '-' and '.'",
};

static const struct db_enum login_classes[] = {
	{"super-user", "All commands, including configuration"},
	{"operator", "Operational commands, clear and request; no configuration"},
	{"read-only", "Show commands only"},
};
static struct db_snode s_user_class = {
	.name = "class",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENUM,
	ENUMS(login_classes),
	.flags = DB_SF_MANDATORY,
	.help = "Login class: what the user may do",
	.value_name = "class",
	.value_help = "super-user, operator or read-only",
	.completion = DB_COMPLETE_ENUM,
};
static struct db_snode *const user_kids[] = {&s_user_class};
static struct db_snode s_user = {
	.name = "user",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NAME,
	KIDS(user_kids),
	.help = "A user allowed to use the CLI",
	.value_name = "name",
	.value_help = "login name",
	.completion = DB_COMPLETE_ENTRIES,
};
static struct db_snode s_idle_timeout = {
	.name = "idle-timeout",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 0,
	.max = 10080,
	.help = "Log out CLI sessions idle this long (`set cli idle-timeout` overrides)",
	.value_name = "minutes",
	.value_help = "0..10080 (0: never)",
};
static struct db_snode *const login_kids[] = {&s_idle_timeout, &s_user};
static struct db_snode s_login = {
	.name = "login",
	.kind = DB_SNODE_CONTAINER,
	KIDS(login_kids),
	.help = "Users and their login classes",
};

static struct db_snode s_history = {
	.name = "history",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = DB_HISTORY_MAX,
	.dflt = STR(DB_HISTORY_MAX),
	.help = "Committed revisions kept (rollback 0..N-1)",
	.value_name = "count",
	.value_help = "1.." STR(DB_HISTORY_MAX),
};
static struct db_snode *const commit_kids[] = {&s_history};
static struct db_snode s_commit = {
	.name = "commit",
	.kind = DB_SNODE_CONTAINER,
	KIDS(commit_kids),
	.help = "Commit parameters",
};

static struct db_snode s_commit_file = {
	.name = "file",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_FILE,
	.help = "Commit script, run on every commit",
	.value_name = "file",
	.value_help = "Lua file in the scripts directory",
	.completion = DB_COMPLETE_FILES,
};
static struct db_snode *const scommit_kids[] = {&s_commit_file};
static struct db_snode s_scripts_commit = {
	.name = "commit",
	.kind = DB_SNODE_CONTAINER,
	KIDS(scommit_kids),
	.help = "Commit scripts (validate, warn, add transient changes)",
};
static struct db_snode s_op_file = {
	.name = "file",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_FILE,
	.help = "Operational script, run with `op NAME`",
	.value_name = "file",
	.value_help = "Lua file in the scripts directory",
	.completion = DB_COMPLETE_FILES,
};
static struct db_snode *const sop_kids[] = {&s_op_file};
static struct db_snode s_scripts_op = {
	.name = "op",
	.kind = DB_SNODE_CONTAINER,
	KIDS(sop_kids),
	.help = "Operational scripts",
};
static struct db_snode *const scripts_kids[] = {&s_scripts_commit, &s_scripts_op};
static struct db_snode s_scripts = {
	.name = "scripts",
	.kind = DB_SNODE_CONTAINER,
	KIDS(scripts_kids),
	.help = "Lua scripts",
};

/*
 * The data path's limits. Table sizes (flows, VIPs, backends) are fixed when the
 * daemon starts: a change is accepted with a warning and waits for a restart. The rate
 * cap and the idle sleep apply at once.
 */
static struct db_snode s_dp_flows = {
	.name = "flows-per-worker",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1024,
	.max = 134217728,
	.dflt = "1048576",
	.help = "Flow-table entries per worker (takes effect at restart)",
	.value_name = "entries",
	.value_help = "1024..134217728",
};
/* VIP slot numbers are 16 bits with 0xffff meaning "none": 65535 slots (0..65534).
 * Backend slot numbers are kept in 20 bits of a flow entry: 1 Mi slots. One VIP holds
 * at most 65535 backends (its Maglev table has 16-bit entries), checked at commit. */
static struct db_snode s_dp_max_vips = {
	.name = "max-vips",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 65535,
	.dflt = "1024",
	.help = "VIPs the data path can hold (takes effect at restart)",
	.value_name = "count",
	.value_help = "1..65535",
};
static struct db_snode s_dp_max_backends = {
	.name = "max-backends",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 1048576,
	.dflt = "65536",
	.help = "Backends over all VIPs the data path can hold (takes effect at restart)",
	.value_name = "count",
	.value_help = "1..1048576 (at most 65535 on one VIP)",
};
static struct db_snode s_dp_new_flow_rate = {
	.name = "new-flow-rate",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 0,
	.max = 100000000,
	.dflt = "100000",
	.help = "New flows pinned per second per worker; above it new flows are forwarded "
		"but not pinned (SYN-flood protection)",
	.value_name = "flows/s",
	.value_help = "0..100000000, 0 = no cap",
};
static struct db_snode s_dp_idle_sleep = {
	.name = "idle-sleep",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 0,
	.max = 100000,
	.dflt = "0",
	.help = "Microseconds an idle worker sleeps between polls (0 = busy-poll)",
	.value_name = "microseconds",
	.value_help = "0..100000, 0 = busy-poll (for a production box)",
};
static struct db_snode *const dp_kids[] = {&s_dp_flows, &s_dp_max_vips, &s_dp_max_backends,
					   &s_dp_new_flow_rate, &s_dp_idle_sleep};
static struct db_snode s_data_path = {
	.name = "data-path",
	.kind = DB_SNODE_CONTAINER,
	KIDS(dp_kids),
	.help = "Data-path limits and polling",
};

static struct db_snode s_metrics_listen = {
	.name = "listen",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENDPOINT,
	.help = "Address and port of the Prometheus endpoint (GET /metrics)",
	.value_name = "address:port",
	.value_help = "a self address of an interface (IPv4 or IPv6) and a TCP port, e.g. "
		      "10.0.1.10:9100 or [2001:db8::10]:9100",
};
static struct db_snode *const metrics_kids[] = {&s_metrics_listen};
static struct db_snode s_metrics = {
	.name = "metrics",
	.kind = DB_SNODE_CONTAINER,
	KIDS(metrics_kids),
	.help = "Prometheus metrics over HTTP",
};
static struct db_snode *const sys_services_kids[] = {&s_metrics};
static struct db_snode s_sys_services = {
	.name = "services",
	.kind = DB_SNODE_CONTAINER,
	KIDS(sys_services_kids),
	.help = "Services Tula offers on its own addresses",
};

static struct db_snode *const system_kids[] = {&s_host_name, &s_login,	   &s_commit,
					       &s_scripts,   &s_data_path, &s_sys_services};
static struct db_snode s_system = {
	.name = "system",
	.kind = DB_SNODE_CONTAINER,
	KIDS(system_kids),
	.help = "System parameters",
};

/* --- interfaces ------------------------------------------------------------------ */

static struct db_snode s_if_description = {
	.name = "description",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_STRING,
	.help = "Text description of the interface",
	.value_name = "text",
	.value_help = "any text (quote it if it has blanks)",
};
static struct db_snode s_if_device = {
	.name = "device",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_STRING,
	.flags = DB_SF_MANDATORY,
	.help = "DPDK device behind this interface",
	.value_name = "devargs",
	.value_help = "DPDK devargs (net_af_packet0,iface=eth1) or PCI address",
};
static struct db_snode s_if_address = {
	.name = "address",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_PREFIX,
	.help = "Self address of Tula on this interface (IPv4 or IPv6)",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address/prefix-length, e.g. 10.0.1.10/24 or 2001:db8:1::10/64",
	.completion = DB_COMPLETE_ENTRIES,
};
static struct db_snode s_if_mtu = {
	.name = "mtu",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 68,
	.max = 9600,
	.dflt = "1500",
	.help = "Maximum transmission unit (IP bytes)",
	.value_name = "bytes",
	.value_help = "68..9600",
};
static struct db_snode s_if_disable = {
	.name = "disable",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_FLAG,
	.help = "Administratively disable the interface",
};
static struct db_snode *const if_kids[] = {&s_if_description, &s_if_device, &s_if_address,
					   &s_if_mtu, &s_if_disable};
static struct db_snode s_interfaces = {
	.name = "interfaces",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NAME,
	KIDS(if_kids),
	.flags = DB_SF_BARE,
	.help = "Data-path interfaces",
	.value_name = "interface-name",
	.value_help = "interface name, e.g. port0",
	.completion = DB_COMPLETE_ENTRIES,
	.validate = db_v_interface,
};

/* --- routing-options ------------------------------------------------------------- */

static struct db_snode s_next_hop = {
	.name = "next-hop",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_IP,
	.flags = DB_SF_MANDATORY,
	.help = "Gateway, on a connected subnet (the route's family)",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address",
};
static struct db_snode *const route_kids[] = {&s_next_hop};
static struct db_snode s_route = {
	.name = "route",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NETWORK,
	KIDS(route_kids),
	.flags = DB_SF_ONELINE,
	.help = "Static route",
	.value_name = "prefix",
	.value_help = "IPv4 or IPv6 destination network, e.g. 0.0.0.0/0 or ::/0",
	.completion = DB_COMPLETE_ENTRIES,
	.validate = db_v_route,
};
static struct db_snode *const static_kids[] = {&s_route};
static struct db_snode s_static = {
	.name = "static",
	.kind = DB_SNODE_CONTAINER,
	KIDS(static_kids),
	.help = "Static routes",
};
static struct db_snode *const ro_kids[] = {&s_static};
static struct db_snode s_routing_options = {
	.name = "routing-options",
	.kind = DB_SNODE_CONTAINER,
	KIDS(ro_kids),
	.help = "Routing",
};

/* --- protocols bgp ----------------------------------------------------------------- */
/* Rendered into BIRD 2's configuration (firmware/control/fw_bird.c), which checks what
 * the schema cannot (its own parser runs at commit check). */

static struct db_snode s_bgp_local_as = {
	.name = "local-as",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 4294967295u,
	.flags = DB_SF_MANDATORY,
	.help = "This box's autonomous system number",
	.value_name = "as",
	.value_help = "1..4294967295",
};
static struct db_snode s_bgp_router_id = {
	.name = "router-id",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_IPV4,
	.help = "BGP identifier (default: the first IPv4 self address)",
	.value_name = "address",
	.value_help = "IPv4 address (a BGP identifier is 32 bits, on IPv6 sessions too)",
};
static struct db_snode s_grp_peer_as = {
	.name = "peer-as",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 4294967295u,
	.flags = DB_SF_MANDATORY,
	.help = "The neighbours' autonomous system number",
	.value_name = "as",
	.value_help = "1..4294967295",
};
static struct db_snode s_grp_hold_time = {
	.name = "hold-time",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 3,
	.max = 65535,
	.dflt = "90",
	.help = "Seconds without a message before a session is declared down (keepalive: a third)",
	.value_name = "seconds",
	.value_help = "3..65535",
};
static struct db_snode s_grp_bfd = {
	.name = "bfd",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_FLAG,
	.help = "BFD on every neighbour of the group (a dead box is seen in interval x multiplier)",
};
static struct db_snode s_grp_bfd_interval = {
	.name = "bfd-interval",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 10,
	.max = 10000,
	.dflt = "100",
	.help = "BFD transmit and receive interval, milliseconds",
	.value_name = "ms",
	.value_help = "10..10000",
};
static struct db_snode s_grp_bfd_multiplier = {
	.name = "bfd-multiplier",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 2,
	.max = 255,
	.dflt = "3",
	.help = "BFD packets missed before the neighbour is declared down",
	.value_name = "count",
	.value_help = "2..255",
};
static struct db_snode s_grp_password = {
	.name = "password",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_STRING,
	.help = "TCP MD5 signature key (RFC 2385) shared with the neighbours",
	.value_name = "key",
	.value_help = "1..80 characters, no quote or backslash",
};
static struct db_snode s_grp_neighbor = {
	.name = "neighbor",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_IP,
	.help = "A BGP peer on a connected subnet of a data port",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address",
	.completion = DB_COMPLETE_ENTRIES,
};
static struct db_snode *const grp_kids[] = {
	&s_grp_peer_as,	       &s_grp_hold_time, &s_grp_bfd,	 &s_grp_bfd_interval,
	&s_grp_bfd_multiplier, &s_grp_password,	 &s_grp_neighbor};
static struct db_snode s_bgp_group = {
	.name = "group",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NAME,
	KIDS(grp_kids),
	.help = "Neighbours sharing their settings",
	.value_name = "name",
	.value_help = "group name",
	.completion = DB_COMPLETE_ENTRIES,
};
static struct db_snode *const bgp_kids[] = {&s_bgp_local_as, &s_bgp_router_id, &s_bgp_group};
static struct db_snode s_bgp = {
	.name = "bgp",
	.kind = DB_SNODE_CONTAINER,
	KIDS(bgp_kids),
	.help = "Announce the VIPs over BGP (BIRD 2, driven by Tula)",
};
static struct db_snode *const protocols_kids[] = {&s_bgp};
static struct db_snode s_protocols = {
	.name = "protocols",
	.kind = DB_SNODE_CONTAINER,
	KIDS(protocols_kids),
	.help = "Routing protocols",
};

/* --- services dsr ----------------------------------------------------------------- */

static const struct db_enum protocols[] = {
	{"tcp", "TCP"},
	{"udp", "UDP"},
};
static const struct db_enum modes[] = {
	{"l2", "MAC rewrite: backends on the same L2 segment as Tula"},
	{"l3", "IP-in-IP: backends anywhere Tula can route to"},
};
static const struct db_enum hashes[] = {
	{"five-tuple", "Addresses, protocol and ports"},
	{"addresses", "Source and destination addresses only (fragments then pass)"},
};
static const struct db_enum hc_types[] = {
	{"tcp", "TCP connect to the port"},
	{"http", "HTTP GET of http-path, expecting a 2xx or 3xx status"},
	{"none", "No probes: backends are always considered up"},
};

static struct db_snode s_be_address = {
	.name = "address",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_IP,
	.flags = DB_SF_MANDATORY,
	.help = "Backend's own address (the VIP's family)",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address",
};
static struct db_snode s_be_weight = {
	.name = "weight",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 0,
	.max = 65535,
	.dflt = "100",
	.help = "Share of new flows (0 drains: no new flows)",
	.value_name = "weight",
	.value_help = "0..65535",
};
static struct db_snode *const be_kids[] = {&s_be_address, &s_be_weight};
static struct db_snode s_backend = {
	.name = "backend",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NAME,
	KIDS(be_kids),
	.help = "Real server behind the VIP",
	.value_name = "name",
	.value_help = "backend name",
	.completion = DB_COMPLETE_ENTRIES,
	.validate = db_v_backend,
};

static struct db_snode s_hc_type = {
	.name = "type",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENUM,
	ENUMS(hc_types),
	.dflt = "tcp",
	.help = "Probe type",
	.value_name = "type",
	.value_help = "tcp, http or none",
	.completion = DB_COMPLETE_ENUM,
};
static struct db_snode s_hc_port = {
	.name = "port",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 65535,
	.help = "Port to probe (default: the VIP's port)",
	.value_name = "port",
	.value_help = "1..65535",
};
static struct db_snode s_hc_path = {
	.name = "http-path",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_PATH,
	.dflt = "/",
	.help = "URL path probed by type http",
	.value_name = "path",
	.value_help = "absolute URL path, e.g. /healthz",
};
static struct db_snode s_hc_interval = {
	.name = "interval",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 3600,
	.dflt = "2",
	.help = "Seconds between probes",
	.value_name = "seconds",
	.value_help = "1..3600",
};
static struct db_snode s_hc_timeout = {
	.name = "timeout",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 3600,
	.dflt = "1",
	.help = "Seconds to wait for an answer",
	.value_name = "seconds",
	.value_help = "1..3600, at most the interval",
};
static struct db_snode s_hc_rise = {
	.name = "rise",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 100,
	.dflt = "2",
	.help = "Successes in a row that mark a backend up",
	.value_name = "count",
	.value_help = "1..100",
};
static struct db_snode s_hc_fall = {
	.name = "fall",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 100,
	.dflt = "3",
	.help = "Failures in a row that mark a backend down",
	.value_name = "count",
	.value_help = "1..100",
};
static struct db_snode *const hc_kids[] = {&s_hc_type,	  &s_hc_port, &s_hc_path, &s_hc_interval,
					   &s_hc_timeout, &s_hc_rise, &s_hc_fall};
static struct db_snode s_health = {
	.name = "health-check",
	.kind = DB_SNODE_CONTAINER,
	KIDS(hc_kids),
	.help = "How backends are probed",
	.validate = db_v_health,
};

static struct db_snode s_vip_description = {
	.name = "description",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_STRING,
	.help = "Text description of the VIP",
	.value_name = "text",
	.value_help = "any text (quote it if it has blanks)",
};
static struct db_snode s_vip_address = {
	.name = "address",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_IP,
	.flags = DB_SF_MANDATORY,
	.help = "Virtual IP address clients connect to",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address",
};
static struct db_snode s_vip_protocol = {
	.name = "protocol",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENUM,
	ENUMS(protocols),
	.flags = DB_SF_MANDATORY,
	.help = "Transport protocol",
	.value_name = "protocol",
	.value_help = "tcp or udp",
	.completion = DB_COMPLETE_ENUM,
};
static struct db_snode s_vip_port = {
	.name = "port",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_PORT,
	.min = 1,
	.max = 65535,
	.flags = DB_SF_MANDATORY | DB_SF_STAR,
	.help = "Destination port",
	.value_name = "port",
	.value_help = "1..65535, or * for all ports",
};
static struct db_snode s_vip_mode = {
	.name = "mode",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENUM,
	ENUMS(modes),
	.dflt = "l2",
	.help = "How packets reach the backends",
	.value_name = "mode",
	.value_help = "l2 or l3",
	.completion = DB_COMPLETE_ENUM,
};
static struct db_snode s_vip_interface = {
	.name = "interface",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_REF,
	.ref_path = "interfaces",
	.help = "Interface where the VIP lives (optional when unambiguous)",
	.value_name = "interface-name",
	.value_help = "a configured interface",
	.completion = DB_COMPLETE_REF,
};
static struct db_snode s_vip_flow_timeout = {
	.name = "flow-timeout",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 86400,
	.dflt = "300",
	.help = "Seconds an idle flow stays pinned to its backend",
	.value_name = "seconds",
	.value_help = "1..86400",
};
static struct db_snode s_vip_fin_timeout = {
	.name = "fin-timeout",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 3600,
	.dflt = "5",
	.help = "Seconds a flow stays pinned after the client's FIN or RST",
	.value_name = "seconds",
	.value_help = "1..3600",
};
static struct db_snode s_vip_udp_timeout = {
	.name = "udp-timeout",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 1,
	.max = 86400,
	.dflt = "30",
	.help = "Seconds an idle udp flow stays pinned to its backend",
	.value_name = "seconds",
	.value_help = "1..86400",
};
static struct db_snode s_vip_hash = {
	.name = "hash",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_ENUM,
	ENUMS(hashes),
	.dflt = "five-tuple",
	.help = "Packet fields that choose the backend",
	.value_name = "fields",
	.value_help = "five-tuple or addresses",
	.completion = DB_COMPLETE_ENUM,
};
static struct db_snode s_vip_tunnel_source = {
	.name = "tunnel-source",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_IP_OR_NETWORK,
	.help = "Mode l3: outer source address, or a prefix for per-flow sources (the VIP's "
		"family)",
	.value_name = "address",
	.value_help = "IPv4 or IPv6 address or network, e.g. 172.16.0.0/16 or 2001:db8:f::/64",
};
static struct db_snode s_vip_no_announce = {
	.name = "no-announce",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_FLAG,
	.help = "Keep this VIP out of BGP",
};
static struct db_snode s_vip_med = {
	.name = "med",
	.kind = DB_SNODE_LEAF,
	.type = DB_TYPE_UINT,
	.min = 0,
	.max = 4294967295u,
	.help = "BGP multi-exit discriminator sent with the VIP's route",
	.value_name = "metric",
	.value_help = "0..4294967295",
};
static struct db_snode s_vip_community = {
	.name = "community",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_STRING,
	.help = "BGP community sent with the VIP's route",
	.value_name = "community",
	.value_help = "AS:VALUE, each 0..65535, e.g. 65000:100",
	.completion = DB_COMPLETE_ENTRIES,
};
static struct db_snode *const vip_kids[] = {
	&s_vip_description, &s_vip_address,   &s_vip_protocol,	    &s_vip_port,
	&s_vip_mode,	    &s_vip_interface, &s_vip_flow_timeout,  &s_vip_fin_timeout,
	&s_vip_udp_timeout, &s_vip_hash,      &s_vip_tunnel_source, &s_vip_no_announce,
	&s_vip_med,	    &s_vip_community, &s_backend,	    &s_health,
};
static struct db_snode s_vip = {
	.name = "vip",
	.kind = DB_SNODE_LIST,
	.type = DB_TYPE_NAME,
	KIDS(vip_kids),
	.help = "Virtual server (VIP) and its backends",
	.value_name = "name",
	.value_help = "VIP name",
	.completion = DB_COMPLETE_ENTRIES,
	.validate = db_v_vip,
};
static struct db_snode *const dsr_kids[] = {&s_vip};
static struct db_snode s_dsr = {
	.name = "dsr",
	.kind = DB_SNODE_CONTAINER,
	KIDS(dsr_kids),
	.help = "Direct Server Return load balancing",
};
static struct db_snode *const services_kids[] = {&s_dsr};
static struct db_snode s_services = {
	.name = "services",
	.kind = DB_SNODE_CONTAINER,
	KIDS(services_kids),
	.help = "Services",
};

/* --- root ---------------------------------------------------------------------------- */

static struct db_snode *const root_kids[] = {&s_system, &s_interfaces, &s_routing_options,
					     &s_protocols, &s_services};
static struct db_snode s_root = {
	.name = "",
	.kind = DB_SNODE_CONTAINER,
	KIDS(root_kids),
	.help = "Configuration",
};

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void init_node(struct db_snode *sn)
{
	size_t i;

	for (i = 0; i < sn->nchildren; i++) {
		struct db_snode *c = sn->children[i];

		c->parent = sn;
		c->index = (uint32_t)i;
		init_node(c);
	}
}

static const struct db_snode *resolve_kw_path(const char *path)
{
	const struct db_snode *sn = &s_root;
	char buf[128];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		size_t i;

		/* not db_snode_child(): that would re-enter pthread_once */
		for (i = 0; i < sn->nchildren; i++)
			if (strcmp(sn->children[i]->name, tok) == 0)
				break;
		if (i == sn->nchildren)
			return NULL;
		sn = sn->children[i];
	}
	return sn;
}

static void init_refs(struct db_snode *sn)
{
	size_t i;

	if (sn->ref_path != NULL)
		sn->ref = resolve_kw_path(sn->ref_path);
	for (i = 0; i < sn->nchildren; i++)
		init_refs(sn->children[i]);
}

static void schema_init(void)
{
	init_node(&s_root);
	init_refs(&s_root);
}

const struct db_snode *db_schema_root(void)
{
	pthread_once(&schema_once, schema_init);
	return &s_root;
}

/* --- introspection ------------------------------------------------------------------ */

const char *db_snode_name(const struct db_snode *sn)
{
	return sn->name;
}

enum db_snode_kind db_snode_kind(const struct db_snode *sn)
{
	return sn->kind;
}

const char *db_snode_help(const struct db_snode *sn)
{
	return sn->help;
}

uint32_t db_snode_flags(const struct db_snode *sn)
{
	return sn->flags;
}

const struct db_snode *db_snode_parent(const struct db_snode *sn)
{
	db_schema_root();
	return sn->parent;
}

size_t db_snode_child_count(const struct db_snode *sn)
{
	return sn->nchildren;
}

const struct db_snode *db_snode_child_at(const struct db_snode *sn, size_t i)
{
	db_schema_root();
	return i < sn->nchildren ? sn->children[i] : NULL;
}

/*
 * Every tree read (db_get_*, db_node_first, validation) looks a keyword up here, a
 * million times per commit of 10 000 VIPs; the callers pass the same literal keywords
 * again and again. A per-thread cache of (parent, keyword pointer) -> child, each hit
 * confirmed by one strcmp, replaces the scan of the parent's children (a strcmp per
 * child) for them; the schema never changes once built, so nothing is invalidated.
 */
#define SNODE_CACHE 512 /* the index below is 64 - 55 = 9 bits */
struct snode_hit {
	const struct db_snode *parent;
	const char *kw;
	const struct db_snode *child;
};
static _Thread_local struct snode_hit snode_cache[SNODE_CACHE];

const struct db_snode *db_snode_child(const struct db_snode *sn, const char *kw)
{
	struct snode_hit *h;
	size_t i;

	h = &snode_cache[(((uint64_t)(uintptr_t)sn ^ (uint64_t)(uintptr_t)kw << 17) *
			  0x9e3779b97f4a7c15ull) >>
			 55];
	if (h->parent == sn && h->kw == kw && strcmp(h->child->name, kw) == 0)
		return h->child;
	db_schema_root();
	for (i = 0; i < sn->nchildren; i++)
		if (sn->children[i]->name[0] == kw[0] && strcmp(sn->children[i]->name, kw) == 0) {
			h->parent = sn;
			h->kw = kw;
			h->child = sn->children[i];
			return sn->children[i];
		}
	return NULL;
}

size_t db_snode_match(const struct db_snode *sn, const char *prefix, const struct db_snode **out)
{
	size_t i, n = 0, len = strlen(prefix);
	const struct db_snode *last = NULL;

	db_schema_root();
	for (i = 0; i < sn->nchildren; i++) {
		const struct db_snode *c = sn->children[i];

		if (strcmp(c->name, prefix) == 0) {
			*out = c;
			return 1;
		}
		if (strncmp(c->name, prefix, len) == 0) {
			n++;
			last = c;
		}
	}
	*out = n == 1 ? last : NULL;
	return n;
}

enum db_type db_snode_type(const struct db_snode *sn)
{
	return sn->type;
}

const char *db_snode_value_name(const struct db_snode *sn)
{
	return sn->value_name;
}

const char *db_snode_value_help(const struct db_snode *sn)
{
	return sn->value_help;
}

const char *db_snode_default(const struct db_snode *sn)
{
	return sn->dflt;
}

int db_snode_range(const struct db_snode *sn, uint64_t *min, uint64_t *max)
{
	if (sn->type != DB_TYPE_UINT && sn->type != DB_TYPE_PORT)
		return -EINVAL;
	*min = sn->min;
	*max = sn->max;
	return 0;
}

enum db_completion db_snode_completion(const struct db_snode *sn)
{
	return sn->completion;
}

size_t db_snode_enum_count(const struct db_snode *sn)
{
	return sn->nenums;
}

const char *db_snode_enum(const struct db_snode *sn, size_t i, const char **help)
{
	if (i >= sn->nenums)
		return NULL;
	if (help != NULL)
		*help = sn->enums[i].help;
	return sn->enums[i].value;
}

const struct db_snode *db_snode_ref(const struct db_snode *sn)
{
	db_schema_root();
	return sn->ref;
}

size_t db_snode_path(const struct db_snode *sn, char *buf, size_t size)
{
	const struct db_snode *chain[32];
	int n = 0, i;
	size_t len = 0;

	db_schema_root();
	for (; sn != NULL && sn->parent != NULL && n < 32; sn = sn->parent)
		chain[n++] = sn;
	if (size > 0)
		buf[0] = '\0';
	for (i = n - 1; i >= 0; i--) {
		int w = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%s",
				 i == n - 1 ? "" : " ", chain[i]->name);
		len += (size_t)w;
	}
	return len;
}

/* --- value parsing ------------------------------------------------------------------- */

int db_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int db_parse_ipv4(const char *s, struct in_addr *out)
{
	uint32_t a = 0;
	int part;

	if (s == NULL)
		return -EINVAL;
	for (part = 0; part < 4; part++) {
		uint32_t v = 0;
		size_t n = 0;

		/* what db_parse_uint(part, 255) accepts, without copying the part out:
		 * every address of the tree is parsed here several times per commit */
		while (s[n] >= '0' && s[n] <= '9' && n < 4)
			v = v * 10 + (uint32_t)(s[n++] - '0');
		if (n == 0 || n > 3 || (s[0] == '0' && n > 1) || v > 255)
			return -EINVAL;
		a = (a << 8) | (uint32_t)v;
		s += n;
		if (part < 3) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
	}
	if (*s != '\0')
		return -EINVAL;
	out->s_addr = htonl(a);
	return 0;
}

int db_parse_prefix(const char *s, struct in_addr *addr, uint8_t *len)
{
	const char *slash;
	char buf[16];
	uint64_t l;

	if (s == NULL || (slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (db_parse_ipv4(buf, addr) != 0 || db_parse_uint(slash + 1, 32, &l) != 0)
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

/* --- addresses of either family ------------------------------------------------------ */

int db_parse_addr(const char *s, struct db_addr *out)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (s == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') == NULL) {
		if (db_parse_ipv4(s, &a4) != 0)
			return -EINVAL;
		out->family = AF_INET;
		memcpy(out->b, &a4, 4);
		return 0;
	}
	/* inet_pton takes no zone ("%eth0") and nothing but the address; bound the length
	 * first so a long token is refused without being read twice. */
	if (strlen(s) >= DB_ADDR_STRLEN || inet_pton(AF_INET6, s, &a6) != 1)
		return -EINVAL;
	/* ::ffff:a.b.c.d is an IPv4 address in IPv6 dress: one address, one spelling */
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return -EINVAL;
	out->family = AF_INET6;
	memcpy(out->b, &a6, 16);
	return 0;
}

unsigned db_addr_bits(const struct db_addr *a)
{
	return a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : 0;
}

int db_parse_addr_prefix(const char *s, struct db_addr *addr, uint8_t *len)
{
	const char *slash;
	char buf[DB_ADDR_STRLEN];
	uint64_t l;

	if (s == NULL || (slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (db_parse_addr(buf, addr) != 0 || db_parse_uint(slash + 1, db_addr_bits(addr), &l) != 0)
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

int db_parse_addr_or_prefix(const char *s, struct db_addr *addr, uint8_t *len)
{
	if (s == NULL)
		return -EINVAL;
	if (strchr(s, '/') != NULL)
		return db_parse_addr_prefix(s, addr, len);
	if (db_parse_addr(s, addr) != 0)
		return -EINVAL;
	*len = (uint8_t)db_addr_bits(addr);
	return 0;
}

int db_parse_endpoint(const char *s, struct db_addr *addr, uint16_t *port)
{
	const char *colon, *host = s;
	char buf[DB_ADDR_STRLEN];
	size_t hlen;
	uint64_t v;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '[') {
		/* [v6]:port, the URL form (RFC 3986): the brackets end the address */
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -EINVAL; /* a bare v6 address must be bracketed */
		hlen = (size_t)(colon - s);
	}
	if (hlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (db_parse_addr(buf, addr) != 0 || (s[0] == '[') != (addr->family == AF_INET6))
		return -EINVAL;
	if (db_parse_uint(colon + 1, 65535, &v) != 0 || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

const char *db_addr_str(const struct db_addr *a, char *buf, size_t size)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, size, "?");
		return buf;
	}
	if (inet_ntop(a->family, a->b, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
	return buf;
}

int db_addr_in(const struct db_addr *a, const struct db_addr *net, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (a->family != net->family || len > db_addr_bits(a))
		return 0;
	if (memcmp(a->b, net->b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->b[full] ^ net->b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

void db_addr_mask(struct db_addr *a, unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		a->b[i] &= len > 8 * i ? (uint8_t)(0xff00u >> (len - 8 * i)) : 0;
	}
}

int db_addr_cmp(const struct db_addr *a, const struct db_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : b->family == AF_INET ? 1 : a->family - b->family;
	return memcmp(a->b, b->b, 16);
}

const char *db_addr_family_name(const struct db_addr *a)
{
	return a->family == AF_INET ? "IPv4" : a->family == AF_INET6 ? "IPv6" : "an unknown family";
}

static int is_name(const char *s, size_t max)
{
	size_t i;

	if (!isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return i <= max;
}

static int is_hostname(const char *s)
{
	size_t i, label = 0;

	if (strlen(s) > 63 || s[0] == '\0')
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return 0;
		if (c == '-' && label == 0)
			return 0;
		label++;
	}
	return label > 0 && s[i - 1] != '-';
}

static int has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int fail(char *reason, size_t rsize, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *reason, size_t rsize, int err, const char *fmt, ...)
{
	va_list ap;

	if (reason != NULL && rsize > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, rsize, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Why tok is not an address, in the words of the family it looks like. */
static const char *bad_addr_reason(const char *tok)
{
	if (strchr(tok, ':') == NULL)
		return "invalid IPv4 address (expected a.b.c.d, or an IPv6 address such as "
		       "2001:db8::10)";
	if (strchr(tok, '%') != NULL)
		return "invalid IPv6 address: a zone (%interface) is not accepted";
	if (strncasecmp(tok, "::ffff:", 7) == 0 && strchr(tok, '.') != NULL)
		return "IPv4-mapped IPv6 address: write the IPv4 address a.b.c.d";
	return "invalid IPv6 address (expected e.g. 2001:db8::10)";
}

static int bad_prefix(const char *tok, const char *what, char *reason, size_t rsize)
{
	if (strchr(tok, ':') == NULL)
		return fail(reason, rsize, -EINVAL,
			    "invalid IPv4 %s (expected a.b.c.d/len, len 0..32, or an IPv6 "
			    "address/len)",
			    what);
	return fail(reason, rsize, -EINVAL,
		    "invalid IPv6 %s (expected address/len, len 0..128, e.g. 2001:db8::/64)", what);
}

static const char *bad_endpoint_reason(const char *tok)
{
	const char *colon = strrchr(tok, ':');
	uint64_t v;

	if (tok[0] == '[') {
		const char *close = strchr(tok, ']');

		if (close == NULL || close[1] != ':')
			return "expected [IPv6-address]:port, e.g. [2001:db8::10]:9100";
		if (db_parse_uint(close + 2, 65535, &v) != 0 || v == 0)
			return "expected a port 1..65535 after ':'";
		return "invalid IPv6 address in [...] (expected [IPv6-address]:port)";
	}
	if (colon == NULL)
		return "expected an address and a port, e.g. 10.0.1.10:9100 or [2001:db8::10]:9100";
	if (strchr(tok, ':') != colon)
		return "an IPv6 address and port are written [address]:port, e.g. "
		       "[2001:db8::10]:9100";
	if (db_parse_uint(colon + 1, 65535, &v) != 0 || v == 0)
		return "expected a port 1..65535 after ':'";
	return "invalid IPv4 address before ':' (expected a.b.c.d:port)";
}

static int check_network(const char *tok, char *reason, size_t rsize, char *canon, size_t csize)
{
	struct db_addr a, n;
	uint8_t len;
	char net[DB_ADDR_STRLEN];

	if (db_parse_addr_prefix(tok, &a, &len) != 0)
		return bad_prefix(tok, "network", reason, rsize);
	n = a;
	db_addr_mask(&n, len);
	if (db_addr_cmp(&n, &a) != 0)
		return fail(reason, rsize, -EINVAL, "host bits set in %s (the network is %s/%u)",
			    tok, db_addr_str(&n, net, sizeof(net)), len);
	if (canon != NULL)
		snprintf(canon, csize, "%s/%u", db_addr_str(&a, net, sizeof(net)), len);
	return 0;
}

int db_snode_check(const struct db_snode *sn, const char *tok, char *reason, size_t rsize,
		   char *canon, size_t csize)
{
	struct in_addr a;
	struct db_addr ad;
	char cbuf[DB_ADDR_STRLEN + 16]; /* canonical text of an address type */
	uint8_t len;
	uint64_t v;
	size_t i;
	int rc;

	if (tok == NULL)
		tok = "";
	if (strlen(tok) >= DB_VALUE_MAX)
		return fail(reason, rsize, -ENAMETOOLONG, "value longer than %d characters",
			    DB_VALUE_MAX - 1);
	switch (sn->type) {
	case DB_TYPE_NONE:
		return fail(reason, rsize, -EINVAL, "%s takes no value", sn->name);
	case DB_TYPE_FLAG:
		return fail(reason, rsize, -EINVAL, "%s takes no value", sn->name);
	case DB_TYPE_STRING:
		if (has_ctrl(tok))
			return fail(reason, rsize, -EINVAL,
				    "text may not contain control characters");
		break;
	case DB_TYPE_NAME:
	case DB_TYPE_REF:
		if (!is_name(tok, 63))
			return fail(reason, rsize, -EINVAL,
				    "expected a name of at most 63 letters, digits, '_', '.', '-' "
				    "starting with a letter or digit");
		break;
	case DB_TYPE_HOSTNAME:
		if (!is_hostname(tok))
			return fail(reason, rsize, -EINVAL,
				    "expected a host name: labels of letters, digits and '-' "
				    "separated by '.', at most 63 characters");
		break;
	case DB_TYPE_UINT:
		rc = db_parse_uint(tok, sn->max, &v);
		if (rc != 0 || v < sn->min)
			return fail(reason, rsize, rc == 0 ? -ERANGE : rc,
				    "expected an integer %llu..%llu", (unsigned long long)sn->min,
				    (unsigned long long)sn->max);
		break;
	case DB_TYPE_PORT:
		if ((sn->flags & DB_SF_STAR) && strcmp(tok, "*") == 0)
			break;
		rc = db_parse_uint(tok, sn->max, &v);
		if (rc != 0 || v < sn->min)
			return fail(reason, rsize, rc == 0 ? -ERANGE : rc,
				    (sn->flags & DB_SF_STAR) ? "expected a port %llu..%llu, or *"
							     : "expected a port %llu..%llu",
				    (unsigned long long)sn->min, (unsigned long long)sn->max);
		break;
	case DB_TYPE_IPV4:
		if (db_parse_ipv4(tok, &a) != 0)
			return fail(reason, rsize, -EINVAL,
				    "invalid IPv4 address (expected a.b.c.d)");
		break;
	case DB_TYPE_IP:
		if (db_parse_addr(tok, &ad) != 0)
			return fail(reason, rsize, -EINVAL, "%s", bad_addr_reason(tok));
		db_addr_str(&ad, cbuf, sizeof(cbuf));
		tok = cbuf;
		break;
	case DB_TYPE_PREFIX:
		if (db_parse_addr_prefix(tok, &ad, &len) != 0)
			return bad_prefix(tok, "prefix", reason, rsize);
		db_addr_str(&ad, cbuf, sizeof(cbuf));
		snprintf(cbuf + strlen(cbuf), sizeof(cbuf) - strlen(cbuf), "/%u", len);
		tok = cbuf;
		break;
	case DB_TYPE_NETWORK:
		rc = check_network(tok, reason, rsize, cbuf, sizeof(cbuf));
		if (rc != 0)
			return rc;
		tok = cbuf;
		break;
	case DB_TYPE_IP_OR_NETWORK:
		if (strchr(tok, '/') != NULL) {
			rc = check_network(tok, reason, rsize, cbuf, sizeof(cbuf));
			if (rc != 0)
				return rc;
		} else if (db_parse_addr(tok, &ad) != 0) {
			return fail(reason, rsize, -EINVAL,
				    "expected an IPv4 or IPv6 address or network (a.b.c.d, "
				    "a.b.c.d/len, 2001:db8::1, 2001:db8::/64)");
		} else {
			db_addr_str(&ad, cbuf, sizeof(cbuf));
		}
		tok = cbuf;
		break;
	case DB_TYPE_ENUM:
		for (i = 0; i < sn->nenums; i++)
			if (strcmp(tok, sn->enums[i].value) == 0)
				break;
		if (i == sn->nenums) {
			char list[DB_REASON_MAX] = "";
			size_t off = 0;

			for (i = 0; i < sn->nenums && off < sizeof(list); i++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							i ? ", " : "", sn->enums[i].value);
			return fail(reason, rsize, -EINVAL, "expected one of: %s", list);
		}
		break;
	case DB_TYPE_FILE:
		if (tok[0] == '\0' || tok[0] == '.' || strchr(tok, '/') != NULL || has_ctrl(tok) ||
		    strchr(tok, ' ') != NULL || strlen(tok) > 255)
			return fail(
				reason, rsize, -EINVAL,
				"expected a file name (no '/', no blanks, not starting with '.')");
		break;
	case DB_TYPE_PATH:
		if (tok[0] != '/' || has_ctrl(tok) || strchr(tok, ' ') != NULL)
			return fail(reason, rsize, -EINVAL,
				    "expected an absolute URL path such as /healthz");
		break;
	case DB_TYPE_ENDPOINT: {
		uint16_t port;

		if (db_parse_endpoint(tok, &ad, &port) != 0)
			return fail(reason, rsize, -EINVAL, "%s", bad_endpoint_reason(tok));
		{
			char h[DB_ADDR_STRLEN];

			db_addr_str(&ad, h, sizeof(h));
			if (ad.family == AF_INET6)
				snprintf(cbuf, sizeof(cbuf), "[%s]:%u", h, port);
			else
				snprintf(cbuf, sizeof(cbuf), "%s:%u", h, port);
		}
		tok = cbuf;
		break;
	}
	}
	if (canon != NULL && csize > 0)
		snprintf(canon, csize, "%s", tok);
	return 0;
}

/* --- key order ---------------------------------------------------------------------- */

/* Natural order: runs of digits compare by value, so be2 < be10. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *sa = a, *sb = b;
			size_t la, lb;
			int c;

			while (*sa == '0' && isdigit((unsigned char)sa[1]))
				sa++;
			while (*sb == '0' && isdigit((unsigned char)sb[1]))
				sb++;
			for (a = sa; isdigit((unsigned char)*a); a++)
				;
			for (b = sb; isdigit((unsigned char)*b); b++)
				;
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(sa, sb, la);
			if (c != 0)
				return c;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	if (*a || *b)
		return *a ? 1 : -1;
	return 0;
}

int db_key_cmp(const struct db_snode *list, const char *a, const char *b)
{
	struct db_addr x, y;
	uint8_t lx, ly;
	int c;

	switch (list->type) {
	case DB_TYPE_IPV4:
	case DB_TYPE_IP:
	case DB_TYPE_PREFIX:
	case DB_TYPE_NETWORK:
	case DB_TYPE_IP_OR_NETWORK:
		/* by value, so keys typed differently (2001:DB8::1, 2001:db8:0::1) are one
		 * key and IPv4 entries sort before IPv6 ones */
		if (db_parse_addr_or_prefix(a, &x, &lx) == 0 &&
		    db_parse_addr_or_prefix(b, &y, &ly) == 0) {
			c = db_addr_cmp(&x, &y);
			if (c != 0)
				return c < 0 ? -1 : 1;
			if (lx != ly)
				return lx < ly ? -1 : 1;
			return 0;
		}
		return strcmp(a, b);
	default:
		c = natural_cmp(a, b);
		return c != 0 ? c : strcmp(a, b);
	}
}

/* --- walking ------------------------------------------------------------------------- */

int db_schema_walk(const char *const *t, int n, struct db_walk *w)
{
	int i, rc;

	memset(w, 0, sizeof(*w));
	w->sn = db_schema_root();
	w->want = DB_WANT_STATEMENT;
	w->keyword_at = -1;
	for (i = 0; i < n; i++) {
		const struct db_snode *c;
		char where[256];

		switch (w->want) {
		case DB_WANT_STATEMENT:
			c = db_snode_child(w->sn, t[i]);
			if (c == NULL) {
				db_snode_path(w->sn, where, sizeof(where));
				fail(w->reason, sizeof(w->reason), 0,
				     where[0] ? "unknown statement \"%s\" under %s"
					      : "unknown statement \"%s\"%s",
				     t[i], where);
				return -ENOENT;
			}
			w->sn = c;
			w->keyword_at = i;
			if (c->kind == DB_SNODE_CONTAINER)
				w->want = DB_WANT_STATEMENT;
			else if (c->kind == DB_SNODE_LIST)
				w->want = DB_WANT_KEY;
			else
				w->want = c->type == DB_TYPE_FLAG ? DB_WANT_END : DB_WANT_VALUE;
			break;
		case DB_WANT_KEY:
			rc = db_snode_check(w->sn, t[i], w->reason, sizeof(w->reason), NULL, 0);
			if (rc != 0)
				return -EINVAL;
			w->want = DB_WANT_STATEMENT;
			break;
		case DB_WANT_VALUE:
			rc = db_snode_check(w->sn, t[i], w->reason, sizeof(w->reason), NULL, 0);
			if (rc != 0)
				return -EINVAL;
			w->want = DB_WANT_END;
			break;
		case DB_WANT_END:
			fail(w->reason, sizeof(w->reason), 0, "nothing may follow %s", w->sn->name);
			return -E2BIG;
		}
		w->consumed = i + 1;
	}
	return 0;
}

/* --- completion ----------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int complete_files(const char *dir, db_complete_fn fn, void *arg)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int count = 0, stopped = 0;

	if (dir == NULL)
		return 0;
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));

			if (nn == NULL)
				break;
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		names[n] = strdup(e->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!stopped) {
			count++;
			stopped = fn(arg, names[i], "") != 0;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static int complete_entries(const struct db_node *parent, const struct db_snode *list,
			    db_complete_fn fn, void *arg)
{
	const struct db_node *e;
	int count = 0;

	if (parent == NULL)
		return 0;
	for (e = db_node_first(parent, list->name); e != NULL; e = db_node_next(e)) {
		const char *desc = db_get_str(e, "description");

		count++;
		if (fn(arg, e->key, desc ? desc : "") != 0)
			break;
	}
	return count;
}

int db_snode_complete(const struct db_snode *sn, const struct db_node *tree,
		      const char *const *path, int npath, const char *dir, db_complete_fn fn,
		      void *arg)
{
	const struct db_node *parent;
	size_t i;
	int count = 0;

	db_schema_root();
	switch (sn->completion) {
	case DB_COMPLETE_NONE:
		return 0;
	case DB_COMPLETE_ENUM:
		for (i = 0; i < sn->nenums; i++) {
			count++;
			if (fn(arg, sn->enums[i].value, sn->enums[i].help) != 0)
				break;
		}
		return count;
	case DB_COMPLETE_ENTRIES:
		if (tree == NULL)
			return 0;
		parent = npath == 0 ? tree : db_node_lookup(tree, path, npath);
		return complete_entries(parent, sn, fn, arg);
	case DB_COMPLETE_REF: {
		const char *kw[8];
		const struct db_snode *p;
		int n = 0, j;

		if (tree == NULL || sn->ref == NULL)
			return 0;
		/* the referenced list sits under containers only: walk them */
		for (p = sn->ref->parent; p != NULL && p->parent != NULL && n < 8; p = p->parent)
			kw[n++] = p->name;
		parent = tree;
		for (j = n - 1; j >= 0 && parent != NULL; j--)
			parent = db_node_find(parent, kw[j], NULL);
		return complete_entries(parent, sn->ref, fn, arg);
	}
	case DB_COMPLETE_FILES:
		return complete_files(dir, fn, arg);
	}
	return 0;
}
