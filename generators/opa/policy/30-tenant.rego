# The tenant's ids, read from its namespace's annotations.
package supremeraid.admission

annotation_user := "supremeraid.dev/run-as-user"

annotation_group := "supremeraid.dev/run-as-group"

annotation_fs_group := "supremeraid.dev/fs-group"

annotations := object.get(namespace, ["metadata", "annotations"], {})

# fs-group is optional: without it the pod's fsGroup is its run-as-group,
# the group that owns the tenant's directory on the node.
fs_group_annotation := annotation_fs_group if {
	annotations[annotation_fs_group]
} else := annotation_group

# A Linux id as Kubernetes accepts it for runAsUser/runAsGroup/fsGroup:
# plain decimal, no sign or leading zero, at most 2^31-1.
valid_id(s) if {
	regex.match(`^(0|[1-9][0-9]{0,9})$`, s)
	to_number(s) <= 2147483647
}

id_problems contains sprintf("namespace %q has no annotation %s (a decimal user or group id)", [input.request.namespace, key]) if {
	some key in [annotation_user, annotation_group]
	not annotations[key]
}

id_problems contains sprintf("namespace %q annotation %s=%q is not a decimal id between 0 and 2147483647", [input.request.namespace, key, value]) if {
	some key, value in annotations
	key in {annotation_user, annotation_group, annotation_fs_group}
	not valid_id(value)
}

# Root's user and group are refused whatever the settings say.
id_problems contains sprintf("namespace %q annotation %s=0: SupremeRAID volumes are not handed to root", [input.request.namespace, key]) if {
	some key in [annotation_user, annotation_group, annotation_fs_group]
	annotations[key] == "0"
}

# The config's floor for tenant ids (spec.workloads.namespaces): lower ids
# are host accounts on the nodes. Settings from an older generator have no
# floor; 1 then keeps the root check above as the only one.
min_id := object.get(settings, "minId", 1)

id_problems contains sprintf("namespace %q annotation %s=%s is below %d: lower ids are host accounts on the nodes", [input.request.namespace, key, value, min_id]) if {
	some key, value in annotations
	key in {annotation_user, annotation_group, annotation_fs_group}
	valid_id(value)
	value != "0"
	to_number(value) < min_id
}

ids := {
	"runAsUser": to_number(annotations[annotation_user]),
	"runAsGroup": to_number(annotations[annotation_group]),
	"fsGroup": to_number(annotations[fs_group_annotation]),
} if {
	count(id_problems) == 0
}
