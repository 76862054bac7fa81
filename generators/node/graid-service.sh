# Runs SupremeRAID's graid service the way its systemd unit (graid.service) does: the
# ExecStartPre script when the package ships one, then graid_server in the foreground. No
# NOTIFY_SOCKET is set, so the Type=notify readiness call is a no-op. exec keeps graid_server
# as PID 1: it gets SIGTERM itself, after the agent has unmounted (it is a sidecar).
set -eu
if [ -x /usr/local/bin/graid_server_pre.sh ]; then
  echo "running graid_server_pre.sh (graid.service ExecStartPre)"
  /usr/local/bin/graid_server_pre.sh
fi
echo "starting graid_server"
exec /usr/local/bin/graid_server
