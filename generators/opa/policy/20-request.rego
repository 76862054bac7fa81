# Which requests the policy acts on, and what it knows about them.
package supremeraid.admission

# Written by the generator (settings.rego); see the Go type opa.Settings.
settings := data.supremeraid.settings

# The webhook's namespaceSelector key. The policy checks it again against
# the replicated namespace so a stale or widened selector mutates nothing.
webhook_label := "openpolicyagent.org/webhook"

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

namespace_labelled if namespace.metadata.labels[webhook_label] == "enabled"

tenant if input.request.namespace in settings.namespaces

# An opted-in pod in a labelled namespace: it is mutated, or denied when
# the mutation cannot be done safely.
applies if {
	pod_create
	opted_in
	namespace_labelled
}
