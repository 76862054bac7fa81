# Why an opted-in pod is refused. The webhook fails closed: a pod that
# asked for the SupremeRAID volume and cannot get it correctly is not
# created, rather than started without its data or with the wrong ids.
package supremeraid.admission

prefix := "supremeraid"

# Without its settings the policy cannot tell opted-in pods from others.
deny contains sprintf("%s: policy settings (data.supremeraid.settings) are not loaded; check the policy ConfigMap's openpolicyagent.org/kube-mgmt-status annotation in the OPA namespace", [prefix]) if {
	pod_create
	not settings
}

deny contains sprintf("%s: namespace %q is not in OPA's replicated data (data.kubernetes.namespaces); kube-mgmt must replicate v1/namespaces, retry once it has synced", [prefix, input.request.namespace]) if {
	pod_create
	opted_in
	tenant
	not namespace
}

deny contains sprintf("%s: namespace %q is not a SupremeRAID tenant (spec.workloads.namespaces); remove the pod label %s or add the namespace to the config", [prefix, input.request.namespace, settings.podLabel]) if {
	applies
	not tenant
}

deny contains sprintf("%s: %s", [prefix, problem]) if {
	applies
	tenant
	namespace
	some problem in id_problems
}

deny contains sprintf("%s: the pod already has a volume named %q that is not %s; rename that volume, the name is reserved for the SupremeRAID volume", [prefix, settings.volumeName, json.marshal(volume)]) if {
	applies
	tenant
	some v in list_at(pod.spec, "volumes")
	v.name == settings.volumeName
	v != volume
}

deny contains sprintf("%s: container %q mounts volume %q at %s, where the SupremeRAID volume goes; move that mount", [prefix, container.name, m.name, m.mountPath]) if {
	applies
	tenant
	some list in container_lists
	some container in list_at(pod.spec, list)
	some m in list_at(container, "volumeMounts")
	same_path(m.mountPath, settings.containerPath)
	m.name != settings.volumeName
}

deny contains sprintf("%s: container %q mounts volume %q at %s, a path with a \"..\" segment that may resolve to %s, where the SupremeRAID volume goes; write the mount path without \"..\"", [prefix, container.name, m.name, m.mountPath, settings.containerPath]) if {
	applies
	tenant
	some list in container_lists
	some container in list_at(pod.spec, list)
	some m in list_at(container, "volumeMounts")
	climbs(m.mountPath)
}

deny contains sprintf("%s: the pod's nodeSelector has %s=%q, but the SupremeRAID volume is mounted only on nodes labelled %s=%q; remove that entry from the pod's nodeSelector", [prefix, key, pod_node_selector[key], key, required_node_labels[key]]) if {
	applies
	tenant
	some key in node_selector_conflicts
}
