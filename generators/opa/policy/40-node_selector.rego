# Steering: the tenant directory exists only on the nodes where the node
# agent has mounted the volume, and the hostPath volume (type Directory)
# keeps a pod elsewhere in ContainerCreating for good. So an opted-in pod
# also requires those nodes' labels in its nodeSelector. Affinity is left
# alone: nodeSelector and required node affinity must both match, so the
# pod's own affinity can only narrow the choice further.
package supremeraid.admission

# Settings written by an older generator have no nodeSelector: such pods
# are not steered, as before, rather than refused while kube-mgmt loads the
# new modules one by one.
required_node_labels := object.get(settings, "nodeSelector", {})

# The pod's nodeSelector, empty when absent or null.
pod_node_selector := v if {
	v := object.get(pod.spec, "nodeSelector", null)
	is_object(v)
} else := {}

# Keys the pod already selects with a value the volume's nodes do not
# have: the pod could never run where its data is.
node_selector_conflicts contains key if {
	some key, value in required_node_labels
	key in object.keys(pod_node_selector)
	pod_node_selector[key] != value
}

# Creates /spec/nodeSelector whole when absent or null, else adds each
# missing entry; entries already there with the same value stay untouched.
node_selector_ops := [] if {
	count(required_node_labels) == 0
} else := [{"op": "add", "path": "/spec/nodeSelector", "value": required_node_labels}] if {
	not is_object(object.get(pod.spec, "nodeSelector", null))
} else := [op |
	some key, value in required_node_labels
	not key in object.keys(pod_node_selector)
	op := {"op": "add", "path": pointer(["spec", "nodeSelector", key]), "value": value}
]
