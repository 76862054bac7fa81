# Which requests the policy acts on, and what it knows about them.
package supremeraid.admission

# Written by the generator (settings.rego); see the Go type opa.Settings.
settings := data.supremeraid.settings

# kube-mgmt replicates cluster-scoped v1/namespaces to
# data.kubernetes.namespaces[<name>] (mgmt.replicate.cluster).
namespace := data.kubernetes.namespaces[input.request.namespace]

pod := input.request.object

# Only the creation of a Pod itself: not its subresources (binding,
# eviction, ephemeralcontainers) and not UPDATE, DELETE or CONNECT.
pod_create if {
	input.request.kind.group == ""
	input.request.kind.kind == "Pod"
	input.request.operation == "CREATE"
	object.get(input.request, "subResource", "") == ""
}

opted_in if pod.metadata.labels[settings.podLabel] == "true"

# A tenant is a namespace named in the settings: by the request's namespace
# name, which the API server sets, never by a label anyone could edit. The
# webhook's namespaceSelector uses the same list (kubernetes.io/metadata.name).
tenant if input.request.namespace in settings.namespaces

# An opted-in pod: it is mutated, or denied when the mutation cannot be
# done safely (or when it is not in a tenant namespace).
applies if {
	pod_create
	opted_in
}
