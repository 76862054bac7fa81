# Waits until KMM has loaded the SupremeRAID kernel modules of the kmod image it is serving, so
# graid_server never starts without them or on an older build's modules. KMM copies the image's
# build record (the Module's firmwarePath) to the node's firmware directory before modprobe and
# removes it before modprobe -r; the record is read through a read-only mount of that directory.
# Every module it lists (and graid, graid_nvidia) must be loaded with the recorded srcversion.
# A missing or unreadable record means "wait", never "go". The wait is bounded: after
# MODULE_WAIT_SECONDS the container fails and the kubelet restarts the pod (with back-off), which
# keeps the problem visible in the pod status.
set -eu
modules_dir=${SYS_MODULE_DIR:-/sys/module}
record=${RECORD_FILE:-/host-firmware/supremeraid/BUILD-INFO}
wait_seconds=${MODULE_WAIT_SECONDS:-600}
poll=${MODULE_POLL_SECONDS:-5}
deadline=$(($(date +%s) + wait_seconds))
where="oc get modules,pods -n ${KMM_NAMESPACE:-supremeraid}, and the node's kmm.node.kubernetes.io labels"

# record_value KEY prints KEY's value from the record read last (KEY=value lines; the file is
# never sourced).
record_value() {
  printf '%s\n' "$content" | while IFS='=' read -r key value; do
    if [ "$key" = "$1" ]; then
      printf '%s\n' "$value"
      break
    fi
  done
}

# check sets state to why the node is not ready yet, or to "" when it is.
check() {
  if [ ! -e "$record" ]; then
    state="no build record at $record: KMM has not loaded this Module's modules on this node yet (it copies the record from the kmod image before modprobe)"
    return
  fi
  # Read once per check (KMM may remove it at any moment); a failed read means wait.
  if [ ! -r "$record" ] || ! content=$(cat "$record" 2>/dev/null); then
    state="build record $record exists but is not readable (file mode or SELinux)"
    return
  fi
  listed=$(record_value MODULES)
  for m in graid graid_nvidia; do
    case " $listed " in
    *" $m "*) ;;
    *) listed="$listed $m" ;;
    esac
  done
  for m in $listed; do
    want=$(record_value "SRCVERSION_$m")
    if [ -z "$want" ]; then
      state="build record $record has no SRCVERSION_$m"
      return
    fi
    if [ ! -d "$modules_dir/$m" ]; then
      state="kernel module $m is not loaded"
      return
    fi
    have=
    if [ -r "$modules_dir/$m/srcversion" ]; then
      read -r have <"$modules_dir/$m/srcversion" || true
    fi
    if [ "$have" != "$want" ]; then
      state="kernel module $m is loaded with srcversion ${have:-<none>}, but the kmod image's build record says $want (KMM has not replaced the old build yet: its unloader retries while the modules are in use)"
      return
    fi
  done
  state=
}

content=
last=
waited=0
while :; do
  check
  if [ -z "$state" ]; then
    for m in $listed; do
      echo "kernel module $m is loaded with srcversion $(record_value "SRCVERSION_$m") as the build record says"
    done
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "not ready after ${wait_seconds}s: $state; check: $where; exiting so the pod restarts" >&2
    exit 1
  fi
  if [ "$state" != "$last" ] || [ $((waited % 60)) -lt "$poll" ]; then
    echo "waiting: $state (see: $where)"
    last=$state
  fi
  sleep "$poll"
  waited=$((waited + poll))
done
