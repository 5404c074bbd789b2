#!/usr/bin/env bash
# sandbox.sh COMMAND [ARGS]...: runs COMMAND in the sandbox tula.service asks systemd
# for, as far as a test without systemd as PID 1 can build it. Run it in a new mount
# namespace (unshare --mount --propagation private); settings come from the environment:
#
#   SB_SCRATCH      writable scratch directory (outside the sandbox's hidden places)
#   SB_RUNTIME      RuntimeDirectory= names (/run/NAME), SB_STATE StateDirectory= names
#                   (/var/lib/NAME), SB_LOGS LogsDirectory= names (/var/log/NAME): each is
#                   SB_SCRATCH/{run,lib,log}/NAME mounted there, writable
#   SB_GROUP        a line of /etc/group to add (the group the package creates): the
#                   sandbox's /etc is a copy with it (a copy of the directory, not a file
#                   mounted over /etc/group: the host replacing /etc/group by rename
#                   would detach such a mount)
#   SB_TOOLS        files copied to /run/.sandbox-tools (the seccomp helper) before the
#                   system turns read-only
#   SB_PROTECT_SYSTEM=strict   every mount read-only but /dev, /proc, /sys and the
#                   directories above (systemd.exec(5) ProtectSystem=strict)
#   SB_PROTECT_HOME=yes        /home, /root, /run/user empty and inaccessible
#   SB_PRIVATE_TMP=yes         fresh /tmp and /var/tmp
#   SB_NNP=yes                 no_new_privs (NoNewPrivileges=yes)
#   SB_CAPS         CapabilityBoundingSet= (CAP_X CAP_Y...), the only capabilities left
#   SB_AF           RestrictAddressFamilies= (AF_X AF_Y...), through restrict_af
#   SB_MEMLOCK=infinity        LimitMEMLOCK=
#   SB_PKGROOT      where the package is unpacked: mounted at /run/.sandbox-pkg, and
#                   COMMAND (an absolute path of the package, /usr/bin/tula) run from there
#
# Where this differs from systemd: /run, /var/lib and /var/log are fresh tmpfs holding
# only the service's directories (so the host is never written), and the programs are
# run from where the package was unpacked (SB_PKGROOT).
set -euo pipefail
die() { echo "sandbox.sh: $*" >&2; exit 126; }

mount --make-rprivate /
rw=()
for n in ${SB_RUNTIME:-}; do mkdir -p "$SB_SCRATCH/run/$n"; done
for n in ${SB_STATE:-}; do mkdir -p "$SB_SCRATCH/lib/$n"; done
for n in ${SB_LOGS:-}; do mkdir -p "$SB_SCRATCH/log/$n"; done
mount -t tmpfs -o mode=0755 sb-run /run
mkdir -p /run/.sandbox-tools
for t in ${SB_TOOLS:-}; do cp "$t" /run/.sandbox-tools/; done
cmd=$1
shift
if [[ -n ${SB_PKGROOT:-} ]]; then
	mkdir -p /run/.sandbox-pkg
	mount --bind "$SB_PKGROOT" /run/.sandbox-pkg
	cmd=/run/.sandbox-pkg$cmd
fi
for n in ${SB_RUNTIME:-}; do
	mkdir -p "/run/$n" && mount --bind "$SB_SCRATCH/run/$n" "/run/$n" && rw+=("/run/$n")
done
mount -t tmpfs -o mode=0755 sb-lib /var/lib
for n in ${SB_STATE:-}; do
	mkdir -p "/var/lib/$n" && mount --bind "$SB_SCRATCH/lib/$n" "/var/lib/$n" && rw+=("/var/lib/$n")
done
mount -t tmpfs -o mode=0755 sb-log /var/log
for n in ${SB_LOGS:-}; do
	mkdir -p "/var/log/$n" && mount --bind "$SB_SCRATCH/log/$n" "/var/log/$n" && rw+=("/var/log/$n")
done
if [[ -n ${SB_GROUP:-} ]]; then
	cp -a /etc "$SB_SCRATCH/etc"
	grep -v "^${SB_GROUP%%:*}:" /etc/group >"$SB_SCRATCH/etc/group" || true
	echo "$SB_GROUP" >>"$SB_SCRATCH/etc/group"
	mount --bind "$SB_SCRATCH/etc" /etc
fi

if [[ ${SB_PROTECT_SYSTEM:-no} == strict ]]; then
	# every mount point (mountinfo's 5th field), deepest last; octal escapes as in \040
	while read -r mp; do
		mp=$(printf '%b' "$mp")
		case "$mp" in /dev | /dev/* | /proc | /proc/* | /sys | /sys/*) continue ;; esac
		[[ -e $mp ]] || continue # under one of the tmpfs above: out of sight already
		for w in "${rw[@]}"; do [[ $mp == "$w" ]] && continue 2; done
		mount -o remount,bind,ro "$mp" 2>/dev/null ||
			mount -o remount,bind,ro,nosuid,nodev "$mp" 2>/dev/null ||
			mount -o remount,bind,ro,nosuid,nodev,noexec "$mp" ||
			die "cannot make $mp read-only"
	done < <(awk '{print $5}' /proc/self/mountinfo)
	touch /usr/.sandbox-probe 2>/dev/null && die "ProtectSystem=strict: /usr is still writable"
	touch /etc/.sandbox-probe 2>/dev/null && die "ProtectSystem=strict: /etc is still writable"
fi
if [[ ${SB_PRIVATE_TMP:-no} == yes ]]; then
	mount -t tmpfs -o mode=1777 sb-tmp /tmp
	mount -t tmpfs -o mode=1777 sb-vartmp /var/tmp
fi
if [[ ${SB_PROTECT_HOME:-no} == yes ]]; then
	for h in /home /root /run/user; do
		[[ -d $h ]] && mount -t tmpfs -o ro,mode=0000 sb-home "$h"
	done
fi
for w in "${rw[@]}"; do
	touch "$w/.sandbox-probe" 2>/dev/null || die "$w is not writable"
	rm -f "$w/.sandbox-probe"
done

# Raising the hard limit needs CAP_SYS_RESOURCE, which a container may lack (systemd
# would fail the same way there): then the hard limit is as far as it goes.
[[ ${SB_MEMLOCK:-} != infinity ]] || ulimit -l unlimited 2>/dev/null || ulimit -l "$(ulimit -H -l)"
pre=()
if [[ ${SB_NNP:-no} == yes ]]; then pre+=(--no-new-privs); fi
if [[ -n ${SB_CAPS:-} ]]; then
	caps=-all
	for c in $SB_CAPS; do
		c=${c#CAP_}
		caps+=",+${c,,}"
	done
	pre+=(--bounding-set "$caps" --inh-caps -all)
fi
af=()
if [[ -n ${SB_AF:-} ]]; then
	# shellcheck disable=SC2206
	af=(/run/.sandbox-tools/restrict_af $SB_AF --)
fi
unset SB_SCRATCH SB_RUNTIME SB_STATE SB_LOGS SB_GROUP SB_TOOLS SB_PROTECT_SYSTEM \
	SB_PROTECT_HOME SB_PRIVATE_TMP SB_NNP SB_CAPS SB_AF SB_MEMLOCK SB_PKGROOT
exec setpriv "${pre[@]}" -- "${af[@]}" "$cmd" "$@"
