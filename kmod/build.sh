#!/bin/bash
# build.sh builds SupremeRAID's graid and graid_nvidia kernel modules for one kernel, the way DKMS
# would, inside KMM's in-cluster build (Driver Toolkit image). It never runs the vendor installer
# or the RPM scriptlets: they need DKMS, a subscription and a live host, none of which a build
# container has. Instead it unpacks the makeself .run and the RPM as plain archives.
#
# Inputs (environment; the Dockerfile passes its build args through):
#   KERNEL_FULL_VERSION     kernel to build for (KMM sets it)                         required
#   GRAID_DRIVER_VERSION    SupremeRAID release the installer must contain             required
#   GRAID_INSTALLER_SHA256  sha256 of the installer .run (64 hex digits)               required
#   GRAID_INSTALLER_URL     where to download the installer, or ...                    one of
#   GRAID_INSTALLER_PATH    ... a path where the installer already is                   these two
#   GRAID_INSTALLER_SECRET  name of a KMM build secret with key `netrc` and/or `header`  optional
#   NVIDIA_DRIVER_VERSION   NVIDIA driver the GPU Operator loads (e.g. 550.90.07)      required
#   NVIDIA_SOURCE           NVIDIA kernel source: a directory or an NVIDIA .run file    required
#   NVIDIA_KERNEL_TYPE      kernel (proprietary) or kernel-open; default kernel
# Overrides (tests; the image uses the defaults):
#   DESTDIR (default empty), KERNEL_BUILD_DIR (default /lib/modules/<kver>/build),
#   NVIDIA_TREE_ROOT (default /usr/src), HOST_MODULES_DIR (default /lib/modules/<kver>),
#   SECRETS_DIR (default /run/secrets), MAKE_JOBS (default nproc), TMPDIR.
# Output: $DESTDIR/opt/lib/modules/<kver>/extra/{graid,graid_nvidia}.ko (extra/ as DKMS uses on
# RHEL, whatever DEST_MODULE_LOCATION says), a `host` link to the node's in-tree modules, depmod
# run, and the RPM's userspace files under $DESTDIR/opt/graid/ with BUILD-INFO, MANIFEST and
# MODVERSIONS (the NVIDIA symbols graid_nvidia is bound to, with their CRCs), and a copy of
# BUILD-INFO at $DESTDIR/firmware/supremeraid/BUILD-INFO (the Module's firmwarePath, which KMM
# copies to the node while the modules are loaded).
#
# graid_nvidia calls into the NVIDIA driver. The build compiles the NVIDIA kernel modules of the
# pinned release and flavour against the same kernel headers into
# $NVIDIA_TREE_ROOT/nvidia-<version> (the layout DKMS gives NVIDIA's source), builds graid_nvidia
# with that tree's Module.symvers in KBUILD_EXTRA_SYMBOLS, and fails unless graid_nvidia's
# __versions section records every NVIDIA symbol it uses with the CRC of that build: the module
# then loads only next to exactly that nvidia.ko, and a mismatch is caught here, not on a node.
#
# The file contains no here-documents: it is inlined into a Dockerfile RUN instruction, and
# Dockerfile parsers read a double less-than sign as the start of a heredoc.
set -euo pipefail
# Command substitutions must fail the build too (bash >= 4.4; RHEL 8 ships 4.4).
shopt -s inherit_errexit

readonly PROG=graid-kmod-build
# Modules the KMM Module loads; the installer's DKMS tree must build both.
readonly REQUIRED_MODULES="graid graid_nvidia"
# Userspace the node DaemonSet runs; the installer's RPM must ship both.
readonly REQUIRED_USERSPACE="graid_server graidctl"
# Where modules go under /opt/lib/modules/<kver>: DKMS ignores DEST_MODULE_LOCATION on RHEL and
# uses extra/; so do we, which keeps the paths KMM signs fixed (kmod.ModulePath).
readonly MODULE_SUBDIR=extra
# The module that links against the NVIDIA driver, and the NVIDIA module it must depend on.
NVIDIA_LINKED_MODULE=graid_nvidia
NVIDIA_CORE_MODULE=nvidia
# Name of the link under /opt/lib/modules/<kver> to the node's own modules (KMM's convention for
# in-tree dependencies: KMM mounts the host's /lib/modules into the build and worker pods).
readonly HOST_LINK=host

die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

log() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "required command '$c' is not installed in the build image"
	done
}

# require_env NAME... fails naming every unset variable at once.
require_env() {
	local missing="" name
	for name in "$@"; do
		[ -n "${!name:-}" ] || missing="$missing $name"
	done
	[ -z "$missing" ] || die "missing required setting(s):$missing (set them as build args)"
}

validate_inputs() {
	require_env KERNEL_FULL_VERSION GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256 NVIDIA_DRIVER_VERSION NVIDIA_SOURCE
	case $KERNEL_FULL_VERSION in
	*/* | .* | *[[:space:]]*) die "KERNEL_FULL_VERSION '$KERNEL_FULL_VERSION' is not a kernel release name" ;;
	esac
	GRAID_INSTALLER_SHA256=$(printf '%s' "$GRAID_INSTALLER_SHA256" | tr 'A-F' 'a-f')
	[[ $GRAID_INSTALLER_SHA256 =~ ^[0-9a-f]{64}$ ]] ||
		die "GRAID_INSTALLER_SHA256 must be 64 hex digits (sha256sum of the .run), got '$GRAID_INSTALLER_SHA256'"
	[[ $NVIDIA_DRIVER_VERSION =~ ^[0-9]+(\.[0-9]+)+$ ]] ||
		die "NVIDIA_DRIVER_VERSION must look like 550.90.07, got '$NVIDIA_DRIVER_VERSION'"
	if [ -n "${GRAID_INSTALLER_URL:-}" ] && [ -n "${GRAID_INSTALLER_PATH:-}" ]; then
		die "set only one of GRAID_INSTALLER_URL and GRAID_INSTALLER_PATH"
	fi
	if [ -z "${GRAID_INSTALLER_URL:-}" ] && [ -z "${GRAID_INSTALLER_PATH:-}" ]; then
		die "set GRAID_INSTALLER_URL (download) or GRAID_INSTALLER_PATH (installer already in the build)"
	fi
	case ${NVIDIA_KERNEL_TYPE:=kernel} in
	kernel | kernel-open) ;;
	*) die "NVIDIA_KERNEL_TYPE must be 'kernel' or 'kernel-open', got '$NVIDIA_KERNEL_TYPE'" ;;
	esac
	[ -e "$NVIDIA_SOURCE" ] || die "NVIDIA_SOURCE '$NVIDIA_SOURCE' does not exist"
	KERNEL_BUILD_DIR=${KERNEL_BUILD_DIR:-/lib/modules/$KERNEL_FULL_VERSION/build}
	[ -f "$KERNEL_BUILD_DIR/Makefile" ] ||
		die "no kernel build tree for $KERNEL_FULL_VERSION at $KERNEL_BUILD_DIR (is this the Driver Toolkit image of that kernel?)"
}

# fetch_installer DEST downloads or copies the installer to DEST.
fetch_installer() {
	local dest=$1
	if [ -n "${GRAID_INSTALLER_PATH:-}" ]; then
		[ -f "$GRAID_INSTALLER_PATH" ] || die "GRAID_INSTALLER_PATH '$GRAID_INSTALLER_PATH' is not a file"
		cp "$GRAID_INSTALLER_PATH" "$dest"
		return
	fi
	need_cmd curl
	local args=(--fail --silent --show-error --location --retry 3 --retry-delay 2 --output "$dest")
	if [ -n "${GRAID_INSTALLER_SECRET:-}" ]; then
		local dir=${SECRETS_DIR:-/run/secrets}/$GRAID_INSTALLER_SECRET found=0
		[ -d "$dir" ] || die "build secret '$GRAID_INSTALLER_SECRET' is not mounted at $dir (list it in the Module's build.secrets)"
		if [ -f "$dir/netrc" ]; then
			args+=(--netrc-file "$dir/netrc")
			found=1
		fi
		if [ -f "$dir/header" ]; then
			args+=(--header "@$dir/header")
			found=1
		fi
		[ $found = 1 ] || die "build secret '$GRAID_INSTALLER_SECRET' has neither key 'netrc' nor key 'header'"
	fi
	# The query string may carry a token (pre-signed URLs): keep it out of the log.
	log "downloading installer from ${GRAID_INSTALLER_URL%%\?*}"
	curl "${args[@]}" "$GRAID_INSTALLER_URL" || die "download of the installer failed (curl exit $?)"
}

# verify_sha256 FILE EXPECTED fails unless FILE's sha256 is EXPECTED.
verify_sha256() {
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	[ "$got" = "$2" ] ||
		die "installer sha256 mismatch: expected $2, got $got; refusing to use it (wrong file, a changed upload or a truncated download)"
	log "installer sha256 verified: $got"
}

# makeself_layout RUN prints "<offset> <size>..." for a makeself archive: the byte offset of the
# first payload and the size of each concatenated payload. It reads the header as text only.
# makeself >= 2.4 records the header length as skip="N"; older versions (and NVIDIA's .run)
# compute it inline as offset=`head -n N "$0" | wc -c ...`. sed prints the first match with a
# 0,/re/ range and reads on to the end: quitting early (`q`) would let the printf still writing
# into the pipe die of SIGPIPE and, under pipefail, end the build without a word.
makeself_layout() {
	local run=$1 header lines sizes decrypt offset
	header=$(LC_ALL=C head -n 4000 "$run" | LC_ALL=C grep -a -E '^[[:space:]]*(skip|filesizes|decrypt_cmd|offset)=' || true)
	lines=$(printf '%s\n' "$header" | sed -n '0,/^skip="\([0-9][0-9]*\)"$/s//\1/p')
	if [ -z "$lines" ]; then
		lines=$(printf '%s\n' "$header" | sed -n '0,/^[[:space:]]*offset=`head -n \([0-9][0-9]*\) "\$[01]".*/s//\1/p')
	fi
	[ -n "$lines" ] || die "$run is not a makeself archive: no skip= or offset=\`head -n N\` line in its header"
	sizes=$(printf '%s\n' "$header" | sed -n '0,/^filesizes="\([0-9 ]*\)"$/s//\1/p')
	[ -n "${sizes// /}" ] || die "$run is not a makeself archive: no filesizes= line in its header"
	decrypt=$(printf '%s\n' "$header" | sed -n '0,/^decrypt_cmd="\(.*\)"$/s//\1/p')
	[ -z "$decrypt" ] || die "$run is an encrypted makeself archive; that is not supported"
	offset=$(head -n "$lines" "$run" | wc -c | tr -d ' ')
	printf '%s %s\n' "$offset" "$sizes"
}

# read_bytes FILE OFFSET COUNT copies COUNT bytes from OFFSET to stdout. dd stops by itself,
# unlike `tail | head -c`, whose writer dies of SIGPIPE and fails the pipeline under pipefail.
read_bytes() {
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=1M status=none
}

# decompressor FILE OFFSET prints the command that decompresses the payload at OFFSET, chosen
# by its magic bytes rather than by trusting the header's own decompress command.
decompressor() {
	local magic
	magic=$(read_bytes "$1" "$2" 6 | od -An -tx1 | tr -d ' \n')
	case $magic in
	1f8b*) echo "gzip -dc" ;;
	fd377a585a00) echo "xz -dc" ;;
	425a68*) echo "bzip2 -dc" ;;
	28b52ffd*) echo "zstd -dc" ;;
	*)
		if [ "$(read_bytes "$1" "$(($2 + 257))" 5)" = ustar ]; then
			echo cat
		else
			die "$1: unknown payload format at byte $2 (magic $magic)"
		fi
		;;
	esac
}

# extract_makeself RUN DEST unpacks a makeself archive into DEST without executing it.
extract_makeself() {
	local run=$1 dest=$2 layout offset size total filesize cmd
	layout=$(makeself_layout "$run")
	offset=${layout%% *}
	total=$offset
	for size in ${layout#* }; do total=$((total + size)); done
	filesize=$(wc -c <"$run" | tr -d ' ')
	[ "$filesize" -ge "$total" ] || die "$run is truncated: its header announces $total bytes, the file has $filesize"
	mkdir -p "$dest"
	for size in ${layout#* }; do
		cmd=$(decompressor "$run" "$offset")
		need_cmd "${cmd%% *}"
		read_bytes "$run" "$offset" "$size" | $cmd | tar -x -f - -C "$dest" --no-same-owner ||
			die "unpacking the payload of $run at byte $offset failed"
		offset=$((offset + size))
	done
}

# unpack_rpm RPM DEST extracts the RPM payload; rpm2cpio and cpio never run scriptlets.
unpack_rpm() {
	local rpm=$1 dest=$2
	mkdir -p "$dest"
	if command -v rpm2cpio >/dev/null 2>&1 && command -v cpio >/dev/null 2>&1; then
		(cd "$dest" && rpm2cpio "$rpm" | cpio -idm --quiet --no-absolute-filenames) ||
			die "unpacking $rpm with rpm2cpio | cpio failed"
	elif command -v rpm2archive >/dev/null 2>&1; then
		# rpm2archive ships with rpm >= 4.13 (RHEL 8 and later) when cpio is absent.
		rpm2archive - <"$rpm" | tar -x -z -f - -C "$dest" --no-same-owner ||
			die "unpacking $rpm with rpm2archive failed"
	else
		die "need rpm2cpio and cpio (or rpm2archive) to unpack $rpm"
	fi
}

# dkms_conf_dump CONF sources a dkms.conf the way DKMS does (bash, with DKMS's variables set) in
# a subshell and prints "NAME<TAB>INDEX<TAB>VALUE" records for the settings this build uses.
dkms_conf_dump() {
	(
		set +eu
		# shellcheck disable=SC2034 # DKMS's variables, read by the sourced dkms.conf
		kernelver=$KERNEL_FULL_VERSION kernel_source_dir=$KERNEL_BUILD_DIR arch=$(uname -m) \
			dkms_tree=$DKMS_TREE source_tree=$SOURCE_TREE
		unset PACKAGE_NAME PACKAGE_VERSION CLEAN PRE_BUILD POST_BUILD BUILD_EXCLUSIVE_KERNEL \
			BUILD_EXCLUSIVE_ARCH MAKE MAKE_MATCH BUILT_MODULE_NAME BUILT_MODULE_LOCATION \
			DEST_MODULE_NAME STRIP PATCH
		# DKMS ignores the file's exit status; so do we, and check the settings instead.
		# shellcheck disable=SC1090 # the vendor's file, read as DKMS reads it
		. "$1" >/dev/null
		emit() {
			case $3 in
			*$'\n'* | *$'\t'*) printf 'bad\t%s\n' "$1" && return ;;
			esac
			printf '%s\t%s\t%s\n' "$1" "$2" "$3"
		}
		for v in PACKAGE_NAME PACKAGE_VERSION CLEAN PRE_BUILD POST_BUILD BUILD_EXCLUSIVE_KERNEL BUILD_EXCLUSIVE_ARCH; do
			emit "$v" 0 "${!v}"
		done
		for v in MAKE MAKE_MATCH BUILT_MODULE_NAME BUILT_MODULE_LOCATION DEST_MODULE_NAME STRIP PATCH; do
			declare -n ref=$v
			for i in "${!ref[@]}"; do
				emit "$v" "$i" "${ref[$i]}"
			done
			unset -n ref
		done
	) || die "cannot read $1 (sourcing it failed)"
}

# read_dkms_conf CONF fills DKMS_* globals from dkms.conf.
read_dkms_conf() {
	local conf=$1 key idx val dump
	DKMS_PACKAGE_NAME="" DKMS_PACKAGE_VERSION="" DKMS_PRE_BUILD="" DKMS_POST_BUILD=""
	DKMS_EXCL_KERNEL="" DKMS_EXCL_ARCH="" DKMS_MAKE=""
	DKMS_NAMES=() DKMS_LOCS=() DKMS_DEST_NAMES=() DKMS_STRIP=()
	local -A makes=() matches=()
	dump=$(dkms_conf_dump "$conf")
	while IFS=$'\t' read -r key idx val; do
		case $key in
		bad) die "$conf: $idx contains a tab or newline" ;;
		PACKAGE_NAME) DKMS_PACKAGE_NAME=$val ;;
		PACKAGE_VERSION) DKMS_PACKAGE_VERSION=$val ;;
		PRE_BUILD) DKMS_PRE_BUILD=$val ;;
		POST_BUILD) DKMS_POST_BUILD=$val ;;
		BUILD_EXCLUSIVE_KERNEL) DKMS_EXCL_KERNEL=$val ;;
		BUILD_EXCLUSIVE_ARCH) DKMS_EXCL_ARCH=$val ;;
		MAKE) makes[$idx]=$val ;;
		MAKE_MATCH) matches[$idx]=$val ;;
		BUILT_MODULE_NAME) DKMS_NAMES[idx]=$val ;;
		BUILT_MODULE_LOCATION) DKMS_LOCS[idx]=$val ;;
		DEST_MODULE_NAME) DKMS_DEST_NAMES[idx]=$val ;;
		STRIP) DKMS_STRIP[idx]=$val ;;
		PATCH) [ -z "$val" ] || die "$conf: PATCH[$idx]=$val: DKMS patches are not supported by this build" ;;
		esac
	done < <(printf '%s\n' "$dump")
	[ -n "$DKMS_PACKAGE_NAME" ] || die "$conf: PACKAGE_NAME is not set"
	[ -n "$DKMS_PACKAGE_VERSION" ] || die "$conf: PACKAGE_VERSION is not set"
	[ ${#DKMS_NAMES[@]} -gt 0 ] || die "$conf: no BUILT_MODULE_NAME entries"
	# DKMS: MAKE[0] applies to every kernel; a later MAKE[i] wins when MAKE_MATCH[i] matches.
	for idx in $(printf '%s\n' "${!makes[@]}" | sort -n); do
		if [ "$idx" = 0 ] || { [ -n "${matches[$idx]:-}" ] && [[ $KERNEL_FULL_VERSION =~ ${matches[$idx]} ]]; }; then
			DKMS_MAKE=${makes[$idx]}
		fi
	done
}

# check_dkms_conf validates what dkms.conf says against what this build was asked to do.
check_dkms_conf() {
	local conf=$1 want i name finals
	case $GRAID_DRIVER_VERSION in
	"$DKMS_PACKAGE_VERSION" | "$DKMS_PACKAGE_VERSION"-*) ;;
	*) die "$conf: the installer holds $DKMS_PACKAGE_NAME $DKMS_PACKAGE_VERSION but GRAID_DRIVER_VERSION is $GRAID_DRIVER_VERSION" ;;
	esac
	if [ -n "$DKMS_EXCL_KERNEL" ] && ! [[ $KERNEL_FULL_VERSION =~ $DKMS_EXCL_KERNEL ]]; then
		die "$conf: BUILD_EXCLUSIVE_KERNEL=$DKMS_EXCL_KERNEL excludes kernel $KERNEL_FULL_VERSION"
	fi
	if [ -n "$DKMS_EXCL_ARCH" ] && ! [[ $(uname -m) =~ $DKMS_EXCL_ARCH ]]; then
		die "$conf: BUILD_EXCLUSIVE_ARCH=$DKMS_EXCL_ARCH excludes $(uname -m)"
	fi
	# The Module loads these by name and KMM signs them by path, so the installed names must match.
	finals=" "
	for i in "${!DKMS_NAMES[@]}"; do
		name=${DKMS_DEST_NAMES[i]:-${DKMS_NAMES[i]}}
		case $name in
		*/* | .*) die "$conf: module name '$name' (entry $i) is not a file name" ;;
		esac
		finals="$finals$name "
	done
	for want in $REQUIRED_MODULES; do
		case $finals in
		*" $want "*) ;;
		*) die "$conf: no module is installed as '$want' (BUILT_MODULE_NAME/DEST_MODULE_NAME give:${finals% })" ;;
		esac
	done
}

# nvidia_source_version DIR prints the NVIDIA driver version a kernel source tree belongs to:
# the .run's kernel/Kbuild defines NV_VERSION_STRING, the open-gpu-kernel-modules tree has
# NVIDIA_VERSION in version.mk.
nvidia_source_version() {
	local dir=$1 v="" f
	if [ -f "$dir/Kbuild" ]; then
		v=$(sed -n 's/.*-DNV_VERSION_STRING=\\"\([^\\"]*\)\\".*/\1/p;T;q' "$dir/Kbuild")
	fi
	for f in "$dir/version.mk" "$dir/../version.mk"; do
		if [ -n "$v" ] || [ ! -f "$f" ]; then continue; fi
		v=$(sed -n 's/^NVIDIA_VERSION[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p;T;q' "$f")
	done
	[ -n "$v" ] || die "cannot tell the NVIDIA version of the source at $dir: no NV_VERSION_STRING in Kbuild and no NVIDIA_VERSION in version.mk"
	printf '%s\n' "$v"
}

# resolve_nvidia_source WORK prints the NVIDIA kernel source directory after checking its
# version; an NVIDIA .run is unpacked (not executed) first.
resolve_nvidia_source() {
	local work=$1 base dir v
	if [ -f "$NVIDIA_SOURCE" ]; then
		base=$work/nvidia
		log "unpacking NVIDIA installer $NVIDIA_SOURCE"
		extract_makeself "$NVIDIA_SOURCE" "$base"
	else
		base=$NVIDIA_SOURCE
	fi
	dir=$base
	if [ -d "$base/$NVIDIA_KERNEL_TYPE" ]; then
		dir=$base/$NVIDIA_KERNEL_TYPE
	elif [ -d "$base/kernel" ] || [ -d "$base/kernel-open" ]; then
		local have="" f
		for f in kernel kernel-open; do [ -d "$base/$f" ] && have="$have$f "; done
		die "the NVIDIA source at $base has no $NVIDIA_KERNEL_TYPE/ directory (the flavour NVIDIA_KERNEL_TYPE asks for); it has: $have"
	fi
	dir=$(cd "$dir" && pwd)
	v=$(nvidia_source_version "$dir")
	[ "$v" = "$NVIDIA_DRIVER_VERSION" ] ||
		die "NVIDIA kernel source at $dir is version $v but NVIDIA_DRIVER_VERSION is $NVIDIA_DRIVER_VERSION; graid_nvidia must be built against exactly the NVIDIA driver the cluster loads"
	log "NVIDIA kernel source $v ($NVIDIA_KERNEL_TYPE) at $dir"
	printf '%s\n' "$dir"
}

# kernel_supported fails for a configuration this build cannot serve: a PREEMPT_RT kernel, for
# which NVIDIA's kernel modules refuse to build (unless IGNORE_PREEMPT_RT_PRESENCE=1, which
# NVIDIA does not support), and a kernel without CONFIG_MODVERSIONS (kernel_has_modversions).
kernel_supported() {
	local f
	for f in "$KERNEL_BUILD_DIR/include/config/auto.conf" "$KERNEL_BUILD_DIR/.config"; do
		[ -f "$f" ] || continue
		if grep -q '^CONFIG_PREEMPT_RT=y$' "$f"; then
			die "kernel $KERNEL_FULL_VERSION is a real-time (PREEMPT_RT) kernel: NVIDIA's kernel modules do not build for it, so graid_nvidia cannot be built or loaded there; run SupremeRAID nodes on the standard kernel (no realTimeKernel in their PerformanceProfile)"
		fi
		break
	done
	kernel_has_modversions
}

# kernel_has_modversions fails unless the target kernel was configured with CONFIG_MODVERSIONS
# (RHEL and RHCOS are): without it no module records CRCs and nothing binds graid_nvidia to the
# NVIDIA build.
kernel_has_modversions() {
	local f
	for f in "$KERNEL_BUILD_DIR/include/config/auto.conf" "$KERNEL_BUILD_DIR/.config"; do
		[ -f "$f" ] || continue
		grep -q '^CONFIG_MODVERSIONS=y$' "$f" && return 0
		die "kernel $KERNEL_FULL_VERSION is built without CONFIG_MODVERSIONS ($f): graid_nvidia could not be bound to the NVIDIA driver build by symbol CRCs, so this build refuses it"
	done
	die "cannot read the configuration of kernel $KERNEL_FULL_VERSION (no include/config/auto.conf or .config under $KERNEL_BUILD_DIR)"
}

# build_nvidia_tree SRC TREE copies the NVIDIA kernel source of the chosen flavour to TREE (laid
# out as DKMS lays out /usr/src/nvidia-<version>) and builds it against the target kernel's
# headers, as the GPU Operator's driver container builds it on the node. Its Module.symvers holds
# the CRCs graid_nvidia must be linked against.
build_nvidia_tree() {
	local src=$1 tree=$2
	if [ -e "$tree" ] && [ -n "$(ls -A "$tree" 2>/dev/null)" ]; then
		die "$tree already exists and is not empty; refusing to build the NVIDIA modules over it"
	fi
	mkdir -p "$tree"
	cp -a "$src/." "$tree/"
	[ -f "$tree/Makefile" ] || die "the NVIDIA kernel source at $src has no Makefile"
	log "building NVIDIA $NVIDIA_DRIVER_VERSION ($NVIDIA_KERNEL_TYPE) kernel modules in $tree for $KERNEL_FULL_VERSION"
	# SYSSRC/SYSOUT/KERNEL_UNAME are the NVIDIA Makefile's knobs; without them it builds for `uname -r`.
	make -C "$tree" -j"${MAKE_JOBS:-$(nproc)}" SYSSRC="$KERNEL_BUILD_DIR" SYSOUT="$KERNEL_BUILD_DIR" \
		KERNEL_UNAME="$KERNEL_FULL_VERSION" modules >&2 ||
		die "building the NVIDIA $NVIDIA_DRIVER_VERSION kernel modules failed (output above)"
	[ -s "$tree/Module.symvers" ] ||
		die "the NVIDIA build left no Module.symvers in $tree; graid_nvidia cannot be linked against it"
	grep -q "	$NVIDIA_CORE_MODULE	\|	[^	]*/$NVIDIA_CORE_MODULE	" "$tree/Module.symvers" ||
		die "$tree/Module.symvers lists no symbol exported by the '$NVIDIA_CORE_MODULE' module"
}

# built_module NAME prints the path in the build directory of the module installed as NAME.
built_module() {
	local i
	for i in "${!DKMS_NAMES[@]}"; do
		if [ "${DKMS_DEST_NAMES[i]:-${DKMS_NAMES[i]}}" = "$1" ]; then
			printf '%s\n' "$BUILD_DIR/${DKMS_LOCS[i]:+${DKMS_LOCS[i]%/}/}${DKMS_NAMES[i]}.ko"
			return
		fi
	done
	die "no DKMS entry installs $1"
}

# check_nvidia_linkage KO SYMVERS fails unless KO's __versions section records every symbol it
# uses from the NVIDIA build (SYMVERS) with the CRC that build exported, and unless it uses at
# least one; every symbol it uses must have been resolved at build time. On success it prints
# "CRC<TAB>SYMBOL<TAB>MODULE" for each NVIDIA symbol, sorted, for the image's MODVERSIONS record.
check_nvidia_linkage() {
	local ko=$1 symvers=$2 name versions crc sym mod rest
	local missing="" mismatch="" unresolved="" records="" n=0
	local -A have=() nv=() nvmod=()
	name=$(basename "$ko" .ko)
	versions=$(modprobe --dump-modversions "$ko" 2>/dev/null) ||
		die "$name.ko has no readable __versions section (modprobe --dump-modversions failed); it was built without symbol versions"
	while read -r crc sym; do
		[ -n "$sym" ] && have[$sym]=$((crc))
	done < <(printf '%s\n' "$versions")
	while IFS=$'\t' read -r crc sym mod rest; do
		[ -n "$sym" ] || continue
		nv[$sym]=$((crc))
		nvmod[$sym]=$(basename "$mod")
	done <"$symvers"
	while read -r sym; do
		[ -n "$sym" ] || continue
		if [ -n "${nv[$sym]+x}" ]; then
			n=$((n + 1))
			if [ -z "${have[$sym]+x}" ]; then
				missing="$missing $sym"
			elif [ "${have[$sym]}" != "${nv[$sym]}" ]; then
				mismatch="$mismatch $sym($(printf '0x%08x' "${have[$sym]}") vs $(printf '0x%08x' "${nv[$sym]}"))"
			else
				records="$records$(printf '0x%08x\t%s\t%s' "${nv[$sym]}" "$sym" "${nvmod[$sym]}")"$'\n'
			fi
		elif [ -z "${have[$sym]+x}" ]; then
			unresolved="$unresolved $sym"
		fi
	# Only strong references (U): modpost does not version weak ones (w), which may stay unresolved.
	done < <(nm -u "$ko" | awk '$1 == "U" {print $2}' | LC_ALL=C sort -u)
	[ -z "$missing" ] ||
		die "$name.ko uses NVIDIA symbol(s)$missing but records no CRC for them: it was linked without the NVIDIA build's Module.symvers (KBUILD_EXTRA_SYMBOLS) and would load against any nvidia.ko"
	[ -z "$mismatch" ] ||
		die "$name.ko records CRCs that differ from the NVIDIA $NVIDIA_DRIVER_VERSION ($NVIDIA_KERNEL_TYPE) build:$mismatch; it was linked against another NVIDIA build and would fail to load"
	[ -z "$unresolved" ] ||
		die "$name.ko uses symbol(s) nothing exported at build time:$unresolved (modpost warnings were ignored); it would fail to load"
	[ $n -gt 0 ] ||
		die "$name.ko uses no symbol exported by the NVIDIA $NVIDIA_DRIVER_VERSION ($NVIDIA_KERNEL_TYPE) build in $symvers; it is not linked against the NVIDIA driver (wrong NVIDIA_KERNEL_TYPE?)"
	log "$name.ko is bound to NVIDIA $NVIDIA_DRIVER_VERSION ($NVIDIA_KERNEL_TYPE) by $n symbol CRC(s)"
	printf '%s' "$records" | LC_ALL=C sort -k2
}

# check_load_order KO... (in the Module's load order) reads each module's `depends` and fails if
# one depends on a module of this build listed after it: KMM loads them in this order and
# unloads them in reverse (modprobe -r), which a backwards dependency makes impossible. The
# module linked against NVIDIA must depend on nvidia, which the GPU Operator loads first.
check_load_order() {
	local ko name deps d seen=" " ours=" $REQUIRED_MODULES "
	for ko in "$@"; do
		name=$(basename "$ko" .ko)
		deps=$(modinfo -F depends "$ko") || die "modinfo -F depends $ko failed"
		for d in ${deps//,/ }; do
			case $ours in
			*" $d "*)
				case $seen in
				*" $d "*) ;;
				*) die "$name depends on $d, which the load order '$REQUIRED_MODULES' loads after it; KMM could neither load nor unload them (modprobe -r)" ;;
				esac
				;;
			esac
		done
		if [ "$name" = "$NVIDIA_LINKED_MODULE" ]; then
			case ",$deps," in
			*",$NVIDIA_CORE_MODULE,"*) ;;
			*) die "$name depends on '${deps}', not on $NVIDIA_CORE_MODULE: it is not linked against the NVIDIA driver" ;;
			esac
		fi
		log "$name depends on: ${deps:-nothing}"
		seen="$seen$name "
	done
}

# find_dkms_conf ROOTFS prints the one usr/src/graid-*/dkms.conf the RPM installed.
find_dkms_conf() {
	local found
	[ -d "$1/usr/src" ] || die "the installer's RPM has no usr/src/graid-<version>/dkms.conf (no usr/src at all)"
	found=$(find "$1/usr/src" -mindepth 2 -maxdepth 2 -name dkms.conf -path '*/graid-*/dkms.conf' 2>/dev/null | LC_ALL=C sort)
	[ -n "$found" ] || die "the installer's RPM has no usr/src/graid-<version>/dkms.conf"
	[ "$(printf '%s\n' "$found" | wc -l)" = 1 ] || die "the installer's RPM has several DKMS trees: ${found//$'\n'/ }"
	printf '%s\n' "$found"
}

# run_dkms_script BUILD_DIR SCRIPT runs a PRE_BUILD/POST_BUILD script from the build dir, as DKMS does.
run_dkms_script() {
	[ -n "$2" ] || return 0
	log "running DKMS build script $2"
	(cd "$1" && eval "./$2") >&2 || die "DKMS script '$2' failed"
}

build_modules() {
	local build_dir=$1 cmd
	cmd=${DKMS_MAKE:-make -C $KERNEL_BUILD_DIR M=$build_dir}
	# As DKMS: prefix make with the job count and the target kernel, so nothing falls back to
	# `uname -r` (the build host's kernel, not the target).
	case $cmd in
	make | make[[:space:]]*) cmd="make -j${MAKE_JOBS:-$(nproc)} KERNELRELEASE=$KERNEL_FULL_VERSION${cmd#make}" ;;
	esac
	log "building $DKMS_PACKAGE_NAME $DKMS_PACKAGE_VERSION for $KERNEL_FULL_VERSION: $cmd"
	(cd "$build_dir" && eval "$cmd") >&2 || die "building the modules failed (make exited non-zero; output above)"
}

# install_modules BUILD_DIR MODDIR copies each built module to its DKMS destination.
install_modules() {
	local build_dir=$1 moddir=$2 i name loc src dest vermagic
	for i in "${!DKMS_NAMES[@]}"; do
		name=${DKMS_NAMES[i]}
		loc=${DKMS_LOCS[i]:-}
		src=$build_dir/${loc:+${loc%/}/}$name.ko
		[ -f "$src" ] || die "make did not produce $name.ko (expected at $src)"
		vermagic=$(modinfo -F vermagic "$src")
		[ "${vermagic%% *}" = "$KERNEL_FULL_VERSION" ] ||
			die "$name.ko was built for '${vermagic%% *}', not $KERNEL_FULL_VERSION"
		dest=$moddir/$MODULE_SUBDIR/${DKMS_DEST_NAMES[i]:-$name}.ko
		install -D -m 0644 "$src" "$dest"
		# DKMS strips debug symbols unless STRIP[i] is "no"; KMM signs later, after this.
		case ${DKMS_STRIP[i]:-yes} in
		[Nn] | [Nn][Oo]) ;;
		*) strip -g "$dest" || die "strip -g $dest failed" ;;
		esac
		log "installed ${dest#"$DESTDIR"}"
	done
}

run_depmod() {
	local base=$1 moddir=$2 i
	depmod -b "$base" "$KERNEL_FULL_VERSION" || die "depmod -b $base $KERNEL_FULL_VERSION failed"
	for i in "${!DKMS_NAMES[@]}"; do
		grep -q "^$MODULE_SUBDIR/${DKMS_DEST_NAMES[i]:-${DKMS_NAMES[i]}}.ko:" "$moddir/modules.dep" ||
			die "depmod did not list ${DKMS_NAMES[i]} in $moddir/modules.dep"
	done
}

# install_userspace ROOTFS DEST [MODDIR] copies the RPM's files (minus kernel sources and prebuilt
# modules) to DEST for the node DaemonSet, with a sorted MANIFEST and BUILD-INFO. BUILD-INFO
# records each module's srcversion (what /sys/module/<name>/srcversion shows once it is loaded;
# signing does not change it), so the node agent can tell this build's modules from older ones.
install_userspace() {
	local rootfs=$1 dest=$2 moddir=${3:-} want m v srcversions=()
	mkdir -p "$dest"
	tar -C "$rootfs" --exclude=./usr/src --exclude=./lib/modules --exclude=./usr/lib/modules -cf - . |
		tar -C "$dest" -xf - --no-same-owner
	for want in $REQUIRED_USERSPACE; do
		[ -n "$(find "$dest" -name "$want" \( -type f -o -type l \) -print -quit)" ] ||
			die "the installer's RPM has no '$want'; the node DaemonSet needs it"
	done
	(cd "$dest" && find . \( -type f -o -type l \) ! -name MANIFEST ! -name BUILD-INFO ! -name MODVERSIONS | LC_ALL=C sort) >"$dest/MANIFEST"
	for m in $REQUIRED_MODULES; do
		[ -n "$moddir" ] || break # the kernel-independent node image has no modules
		v=$(modinfo -F srcversion "$moddir/$MODULE_SUBDIR/$m.ko")
		[ -n "$v" ] || die "$m.ko has no srcversion (needs MODULE_VERSION or CONFIG_MODULE_SRCVERSION_ALL); the node agent could not tell it from another build"
		srcversions+=("SRCVERSION_$m" "$v")
	done
	printf '%s=%s\n' \
		DKMS_PACKAGE "$DKMS_PACKAGE_NAME/$DKMS_PACKAGE_VERSION" \
		GRAID_DRIVER_VERSION "$GRAID_DRIVER_VERSION" \
		GRAID_INSTALLER_SHA256 "$GRAID_INSTALLER_SHA256" \
		KERNEL_FULL_VERSION "$KERNEL_FULL_VERSION" \
		NVIDIA_DRIVER_VERSION "$NVIDIA_DRIVER_VERSION" \
		NVIDIA_KERNEL_TYPE "$NVIDIA_KERNEL_TYPE" \
		MODULES "$REQUIRED_MODULES" \
		"${srcversions[@]}" >"$dest/BUILD-INFO"
}

main() {
	[ $# = 0 ] || die "takes no arguments; configure it with environment variables (see the top of $0)"
	validate_inputs
	need_cmd sha256sum head dd od sed grep tr cut sort wc tar gzip find mktemp make strip modinfo depmod modprobe nm awk install
	DESTDIR=${DESTDIR:-}
	local work rootfs rpm conf src_dir build_dir nvidia_src nvidia_tree moddir modversions n=0
	work=$(mktemp -d "${TMPDIR:-/tmp}/graid-kmod.XXXXXX")
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf '$work'" EXIT

	fetch_installer "$work/installer.run"
	verify_sha256 "$work/installer.run" "$GRAID_INSTALLER_SHA256"
	log "unpacking installer (not executing it)"
	extract_makeself "$work/installer.run" "$work/installer"

	rootfs=$work/rootfs
	while IFS= read -r rpm; do
		[ -n "$rpm" ] || continue
		log "unpacking ${rpm#"$work/installer/"} (scriptlets are not run)"
		unpack_rpm "$rpm" "$rootfs"
		n=$((n + 1))
	done < <(find "$work/installer" -type f -name '*.rpm' ! -name '*.src.rpm' | LC_ALL=C sort)
	[ $n -gt 0 ] || die "the installer contains no .rpm"

	conf=$(find_dkms_conf "$rootfs")
	src_dir=$(dirname "$conf")
	DKMS_TREE=$work/dkms
	SOURCE_TREE=$rootfs/usr/src
	read_dkms_conf "$conf"
	check_dkms_conf "${conf#"$rootfs"}"

	nvidia_src=$(resolve_nvidia_source "$work")
	kernel_supported
	nvidia_tree=${NVIDIA_TREE_ROOT:-/usr/src}/nvidia-$NVIDIA_DRIVER_VERSION
	build_nvidia_tree "$nvidia_src" "$nvidia_tree"

	build_dir=$DKMS_TREE/$DKMS_PACKAGE_NAME/$DKMS_PACKAGE_VERSION/build
	BUILD_DIR=$build_dir
	mkdir -p "$build_dir"
	cp -a "$src_dir/." "$build_dir/"
	# Makefiles commonly default KVER/KERNELDIR to `uname -r`; point them at the target kernel.
	# NVIDIA_SRC tells graid_nvidia's build where the NVIDIA kernel source is (built, as DKMS
	# leaves /usr/src/nvidia-<version>); KBUILD_EXTRA_SYMBOLS gives modpost its exported symbols.
	export KVER=$KERNEL_FULL_VERSION KERNELDIR=$KERNEL_BUILD_DIR NVIDIA_SRC=$nvidia_tree
	export KBUILD_EXTRA_SYMBOLS="$nvidia_tree/Module.symvers${KBUILD_EXTRA_SYMBOLS:+ $KBUILD_EXTRA_SYMBOLS}"
	run_dkms_script "$build_dir" "$DKMS_PRE_BUILD"
	build_modules "$build_dir"
	run_dkms_script "$build_dir" "$DKMS_POST_BUILD"
	local kos=() m
	for m in $REQUIRED_MODULES; do kos+=("$(built_module "$m")"); done
	modversions=$(check_nvidia_linkage "$(built_module "$NVIDIA_LINKED_MODULE")" "$nvidia_tree/Module.symvers")
	check_load_order "${kos[@]}"

	moddir=$DESTDIR/opt/lib/modules/$KERNEL_FULL_VERSION
	install_modules "$build_dir" "$moddir"
	# KMM's convention for in-tree dependencies: modprobe -d /opt follows this link to the node's
	# modules (KMM mounts the host's /lib/modules into its build and worker pods).
	ln -s "${HOST_MODULES_DIR:-/lib/modules/$KERNEL_FULL_VERSION}" "$moddir/$HOST_LINK"
	run_depmod "$DESTDIR/opt" "$moddir"
	install_userspace "$rootfs" "$DESTDIR/opt/graid" "$moddir"
	printf '%s\n' "$modversions" >"$DESTDIR/opt/graid/MODVERSIONS"
	# KMM copies the Module's firmwarePath (/firmware) to the node before modprobe and removes it
	# before modprobe -r: the node pod's wait-modules compares this record with /sys/module.
	install -D -m 0644 "$DESTDIR/opt/graid/BUILD-INFO" "$DESTDIR/firmware/supremeraid/BUILD-INFO"
	log "done: modules in $moddir, userspace in $DESTDIR/opt/graid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
