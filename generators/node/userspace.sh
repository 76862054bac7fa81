#!/bin/bash
# userspace.sh puts SupremeRAID's userspace (graid_server, graidctl, their libraries) into the node
# image, in the OpenShift build the node generator emits. The files do not depend on the kernel, so
# one image serves every node, unlike the kmod image KMM builds per kernel.
#
# It sources kmod/build.sh (shipped next to it in the build's ConfigMap) and uses its functions,
# so the node image and the kmod image fetch, check and unpack the installer the same way: the
# sha256 is checked before anything is unpacked, and neither the installer nor any RPM scriptlet
# is ever executed.
#
# Inputs (environment; the Dockerfile passes its build args through):
#   GRAID_DRIVER_VERSION    SupremeRAID release the installer must contain             required
#   GRAID_INSTALLER_SHA256  sha256 of the installer .run (64 hex digits)               required
#   GRAID_INSTALLER_URL     where to download the installer, or ...                    one of
#   GRAID_INSTALLER_PATH    ... a path where the installer already is                   these two
#   GRAID_INSTALLER_SECRET  name of a build secret (keys netrc and/or header)           optional
#   DESTDIR                 output root, default /out; SECRETS_DIR, TMPDIR as in build.sh
# Output, under DESTDIR:
#   opt/graid/                the RPM's files minus kernel sources and modules, with MANIFEST
#                             and BUILD-INFO (kmod/build.sh's install_userspace)
#   usr/local/bin/graid_server, usr/local/bin/graidctl (and graid_server_pre.sh when the RPM
#                             ships it): links into opt/graid, so the DaemonSet needs no RPM paths
#   etc/ld.so.conf.d/graid.conf: the library directories under opt/graid, for ldconfig
set -euo pipefail

node_image_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../kmod/build.sh
. "$node_image_dir/build.sh"

# Programs the DaemonSet runs by a fixed path; the last one is optional (graid.service's
# ExecStartPre in the vendor's unit).
readonly NODE_IMAGE_LINKS="graid_server graidctl"
readonly NODE_IMAGE_OPTIONAL_LINKS="graid_server_pre.sh"

node_image_validate() {
  require_env GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256
  GRAID_INSTALLER_SHA256=$(printf '%s' "$GRAID_INSTALLER_SHA256" | tr 'A-F' 'a-f')
  [[ $GRAID_INSTALLER_SHA256 =~ ^[0-9a-f]{64}$ ]] ||
    die "GRAID_INSTALLER_SHA256 must be 64 hex digits (sha256sum of the .run), got '$GRAID_INSTALLER_SHA256'"
  if [ -n "${GRAID_INSTALLER_URL:-}" ] && [ -n "${GRAID_INSTALLER_PATH:-}" ]; then
    die "set only one of GRAID_INSTALLER_URL and GRAID_INSTALLER_PATH"
  fi
  if [ -z "${GRAID_INSTALLER_URL:-}" ] && [ -z "${GRAID_INSTALLER_PATH:-}" ]; then
    die "set GRAID_INSTALLER_URL (download) or GRAID_INSTALLER_PATH (installer already in the build)"
  fi
}

# node_image_check_version ROOTFS reads the DKMS tree's PACKAGE_VERSION, as the kmod build does,
# so the userspace in this image is the release the modules are built from.
node_image_check_version() {
  local conf
  conf=$(find_dkms_conf "$1")
  # read_dkms_conf evaluates dkms.conf the way DKMS does; no kernel is involved here.
  KERNEL_FULL_VERSION=none KERNEL_BUILD_DIR=/nonexistent DKMS_TREE=$work/dkms SOURCE_TREE=$1/usr/src
  read_dkms_conf "$conf"
  case $GRAID_DRIVER_VERSION in
  "$DKMS_PACKAGE_VERSION" | "$DKMS_PACKAGE_VERSION"-*) ;;
  *) die "${conf#"$1"}: the installer holds $DKMS_PACKAGE_NAME $DKMS_PACKAGE_VERSION but GRAID_DRIVER_VERSION is $GRAID_DRIVER_VERSION" ;;
  esac
}

# node_image_link NAME REQUIRED links usr/local/bin/NAME to the one file called NAME under
# opt/graid; two candidates are an error rather than a guess.
node_image_link() {
  local name=$1 required=$2 found n
  found=$(cd "$DESTDIR/opt/graid" && find . -name "$name" \( -type f -o -type l \) | LC_ALL=C sort)
  n=$(printf '%s' "$found" | grep -c . || true)
  case $n in
  0)
    [ "$required" = no ] || die "the installer's RPM has no '$name'"
    return 0
    ;;
  1) ;;
  *) die "the installer's RPM has several files called '$name': ${found//$'\n'/ }" ;;
  esac
  mkdir -p "$DESTDIR/usr/local/bin"
  ln -sfn "/opt/graid/${found#./}" "$DESTDIR/usr/local/bin/$name"
  log "linked /usr/local/bin/$name -> /opt/graid/${found#./}"
}

# node_image_ldconfig lists every directory under opt/graid that holds a shared library.
node_image_ldconfig() {
  local dirs
  dirs=$(cd "$DESTDIR" && find opt/graid \( -type f -o -type l \) -name '*.so*' -printf '/%h\n' | LC_ALL=C sort -u)
  [ -n "$dirs" ] || return 0
  mkdir -p "$DESTDIR/etc/ld.so.conf.d"
  printf '%s\n' "$dirs" >"$DESTDIR/etc/ld.so.conf.d/graid.conf"
}

node_image_main() {
  [ $# = 0 ] || die "takes no arguments; configure it with environment variables (see the top of $0)"
  node_image_validate
  need_cmd sha256sum head dd od sed grep tr cut sort wc tar gzip find mktemp ln
  DESTDIR=${DESTDIR:-/out}
  local rpm rootfs n=0
  work=$(mktemp -d "${TMPDIR:-/tmp}/graid-node-image.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work is global but may change
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
  node_image_check_version "$rootfs"

  # install_userspace records the kmod build's settings in BUILD-INFO; this image has no
  # kernel and no NVIDIA build, which BUILD-INFO says.
  KERNEL_FULL_VERSION="none (kernel-independent node image)" NVIDIA_DRIVER_VERSION=none NVIDIA_KERNEL_TYPE=none
  install_userspace "$rootfs" "$DESTDIR/opt/graid"
  local name
  for name in $NODE_IMAGE_LINKS; do node_image_link "$name" yes; done
  for name in $NODE_IMAGE_OPTIONAL_LINKS; do node_image_link "$name" no; done
  node_image_ldconfig
  log "done: userspace in $DESTDIR/opt/graid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  node_image_main "$@"
fi
