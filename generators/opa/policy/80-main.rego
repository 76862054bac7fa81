# The admission review. The opa-kube-mgmt chart registers the webhook
# without a path, so OPA answers it with its default decision,
# data.system.main. That rule lives in the bootstrap policy the chart
# loads at start (opa.BootstrapPolicy), which answers with this review
# while it is defined and with a safe fallback while it is not.
package supremeraid.admission

review := {
	"apiVersion": review_version,
	"kind": "AdmissionReview",
	"response": response,
}
