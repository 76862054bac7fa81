# Waits until KMM has loaded the SupremeRAID kernel modules, so graid_server never starts
# without them. The wait is bounded: after MODULE_WAIT_SECONDS the container fails and the
# kubelet restarts the pod (with back-off), which keeps the problem visible in the pod status.
set -eu
modules_dir=${SYS_MODULE_DIR:-/sys/module}
deadline=$(($(date +%s) + ${MODULE_WAIT_SECONDS:-600}))
for m in graid graid_nvidia; do
  waited=0
  while [ ! -d "$modules_dir/$m" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "kernel module $m is not loaded after ${MODULE_WAIT_SECONDS:-600}s; KMM loads it (check: oc get modules,pods -n ${KMM_NAMESPACE:-supremeraid}, and the node's kmm.node.kubernetes.io labels); exiting so the pod restarts" >&2
      exit 1
    fi
    if [ $((waited % 60)) -eq 0 ]; then
      echo "waiting for kernel module $m (KMM loads it; see: oc get modules -n ${KMM_NAMESPACE:-supremeraid})"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  echo "kernel module $m is loaded"
done
