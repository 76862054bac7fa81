# The admission decision. The opa-kube-mgmt chart registers the webhook
# without a path, so OPA answers it with its default decision,
# data.system.main, which must be a complete AdmissionReview. Everything
# else lives in package supremeraid.admission, so this package (shared
# with the chart's system.authz) gains one rule only.
package system

import data.supremeraid.admission

main := {
	"apiVersion": admission.review_version,
	"kind": "AdmissionReview",
	"response": admission.response,
}
