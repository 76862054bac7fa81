# The JSON patch that gives an opted-in pod its tenant's directory and ids.
# Every operation is computed from the pod as submitted, so a pod that
# already has the volume, a mount or the ids gets no duplicate.
package supremeraid.admission

# Each tenant gets its own sub-directory, created on the node by the node
# agent; type Directory makes the kubelet refuse to start the pod rather
# than create a root-owned empty directory when it is missing.
volume := {
	"name": settings.volumeName,
	"hostPath": {
		"path": concat("/", [settings.hostBasePath, input.request.namespace]),
		"type": "Directory",
	},
}

mount := {"name": settings.volumeName, "mountPath": settings.containerPath}

# Ephemeral containers cannot be set on CREATE, so these two are all.
container_lists := ["initContainers", "containers"]

# list_at is obj[key] when that is an array, else empty (absent or null).
list_at(obj, key) := v if {
	v := object.get(obj, key, null)
	is_array(v)
} else := []

# Mount paths compare as the container runtime resolves them: empty and "."
# segments do not count, so "/data/", "//data", "/data/." and "/./data" are
# all /data. ".." is not resolved here: see climbs below.
path_segments(p) := [seg | some seg in split(p, "/"); not seg in {"", "."}]

same_path(a, b) if path_segments(a) == path_segments(b)

# A mount path with a ".." segment may resolve to any directory, the volume's
# included; opted-in pods must write mount paths without one.
climbs(p) if ".." in path_segments(p)

has_volume if {
	some v in list_at(pod.spec, "volumes")
	v.name == settings.volumeName
}

volume_ops := [] if {
	has_volume
} else := [{"op": "add", "path": "/spec/volumes/-", "value": volume}] if {
	is_array(object.get(pod.spec, "volumes", null))
} else := [{"op": "add", "path": "/spec/volumes", "value": [volume]}]

# "add" on an existing object member replaces it (RFC 6902 4.1), so the
# namespace's ids win over whatever the pod asked for; other fields of
# the pod's securityContext stay as they are.
security_context_ops := [{"op": "add", "path": "/spec/securityContext", "value": ids}] if {
	not is_object(object.get(pod.spec, "securityContext", null))
} else := [op |
	some field in ["runAsUser", "runAsGroup", "fsGroup"]
	object.get(pod.spec.securityContext, field, null) != ids[field]
	op := {"op": "add", "path": pointer(["spec", "securityContext", field]), "value": ids[field]}
]

# OpenShift's SCC admission runs before webhooks and, when the pod sets no
# runAsUser, writes one from the namespace's UID range into every
# container's securityContext; a container's value overrides the pod's.
# So container-level runAsUser/runAsGroup that differ from the tenant's
# are replaced too (and the SCC, re-run after this webhook, checks the
# result). Absent ones stay absent: the pod-level value applies.
container_id_ops := [op |
	some list in container_lists
	some i, container in list_at(pod.spec, list)
	some field in ["runAsUser", "runAsGroup"]
	value := object.get(container, ["securityContext", field], null)
	value != null
	value != ids[field]
	op := {"op": "replace", "path": pointer(["spec", list, i, "securityContext", field]), "value": ids[field]}
]

has_mount(container) if {
	some m in list_at(container, "volumeMounts")
	m.name == settings.volumeName
	same_path(m.mountPath, settings.containerPath)
}

mount_op(list, i, container) := op if {
	not is_array(object.get(container, "volumeMounts", null))
	op := {"op": "add", "path": pointer(["spec", list, i, "volumeMounts"]), "value": [mount]}
} else := op if {
	not has_mount(container)
	op := {"op": "add", "path": pointer(["spec", list, i, "volumeMounts", "-"]), "value": mount}
}

mount_ops := [op |
	some list in container_lists
	some i, container in list_at(pod.spec, list)
	op := mount_op(list, i, container)
]

patch := array.concat(
	array.concat(volume_ops, security_context_ops),
	array.concat(array.concat(container_id_ops, mount_ops), node_selector_ops),
)
