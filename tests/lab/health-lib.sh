# shellcheck shell=bash
# Helpers shared by the health-check lab tests (test-health-*.sh): start the real tula
# in the lab's lb namespace with a configuration, talk to it with `tula cli`, read the
# health of a backend, and remove everything however the test ends. Source after
# lib.sh:
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/health-lib.sh"
#   require_root; need_tula
#   hc_lab_up full                     # lab + clean-up trap (tula, lab, work dir)
#   hc_start "$HC_WORK/t.conf"         # tula --config FILE, waits until it answers
#   hc_wait_health 10 web-l2 be1 down  # poll `show services dsr health`
#   tcli -c 'request services dsr check vip web-l2'

TULA=${TULA:-${TULA_BUILD_DIR:-}/firmware/tula}
HC_WORK=
HC_PID=

need_tula() {
	[[ -x $TULA ]] || { echo "SKIP: no daemon binary at '$TULA' (set TULA_BUILD_DIR)"; exit 77; }
}

hc_cleanup() {
	if [[ -n $HC_PID ]]; then
		kill "$HC_PID" 2>/dev/null || true
		wait_until 10 proc_gone "$HC_PID" || kill -9 "$HC_PID" 2>/dev/null || true
		if [[ -n ${HC_FAILED:-} && -r $HC_WORK/tula.log ]]; then
			echo "--- tula.log (last 40 lines)" >&2
			tail -n 40 "$HC_WORK/tula.log" >&2
		fi
	fi
	lab_down
	[[ -z $HC_WORK ]] || rm -rf "$HC_WORK"
}

# hc_lab_up TOPOLOGY [ARGS]: the lab, a work directory, and one trap removing all.
hc_lab_up() {
	HC_WORK=$(mktemp -d /tmp/tula-hc-XXXXXX)
	lab_up "$@"
	# shellcheck disable=SC2154 # rc is set inside the trap
	trap 'rc=$?; ((rc == 0)) || HC_FAILED=1; hc_cleanup' EXIT
}

tcli() { "$TULA" cli --socket "$HC_WORK/cli.sock" "$@"; }

# hc_start CONFIG: tula in the lb namespace with CONFIG as its first revision.
hc_start() {
	HC_PID=$(lab_bg lb "$HC_WORK/tula.log" "$TULA" --db "$HC_WORK/config.db" \
		--socket "$HC_WORK/cli.sock" --config "$1" --no-console -- -l 0-1 --no-huge -m 512 \
		--no-shconf --no-pci --file-prefix "${LAB_PREFIX}hc")
	wait_until 30 tcli -c 'show version' || { HC_FAILED=1; fail "tula never answered"; }
}

# hc_health VIP BACKEND: the backend's health word (up, down, unchecked, disabled).
hc_health() {
	tcli -c "show services dsr health vip $1" | awk -v b="$2" '$1 == b { print $3; exit }'
}

# hc_reason VIP BACKEND: the reason line printed under the backend (empty when none).
hc_reason() {
	tcli -c "show services dsr health vip $1" |
		awk -v b="$2" 'f && /^    / { sub(/^    /, ""); print; exit } { f = ($1 == b) }'
}

_hc_is() { [[ $(hc_health "$1" "$2") == "$3" ]]; }

# hc_wait_health TIMEOUT VIP BACKEND STATE: poll until the backend is in STATE.
hc_wait_health() {
	local t=$1
	shift
	wait_until "$t" _hc_is "$@"
}

# hc_elapsed_ms START_US: milliseconds since START_US (from ${EPOCHREALTIME/./}).
hc_elapsed_ms() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }

# hc_vip_state VIP: the VIP's state as `show services dsr` shows it.
hc_vip_state() {
	tcli -c "show services dsr vip $1" | sed -n 's/^VIP: .*, state \([a-z-]*\)$/\1/p'
}

# hc_drops REASON: a drop counter of `show services dsr statistics` (0 when absent).
hc_drops() {
	tcli -c 'show services dsr statistics' | awk -v r="$1" '$1 == r { n = $2 } END { print n + 0 }'
}

# hc_packets NAME: packets counted for a VIP or backend named NAME.
hc_packets() {
	tcli -c 'show services dsr statistics' | awk -v n="$1" '$1 == n { print $2; exit }'
}
