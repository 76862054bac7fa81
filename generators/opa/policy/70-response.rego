# The AdmissionResponse: a denial listing every problem, a patch, or a
# plain allow for everything this policy does not touch.
package supremeraid.admission

# The API server requires the response to carry the apiVersion of the
# request (the chart offers v1 and v1beta1, whose response fields are equal).
review_version := input.apiVersion if {
	input.apiVersion in {"admission.k8s.io/v1", "admission.k8s.io/v1beta1"}
} else := "admission.k8s.io/v1"

response := {
	"uid": input.request.uid,
	"allowed": false,
	"status": {"code": 403, "reason": "Forbidden", "message": concat("; ", sort(deny))},
} if {
	count(deny) > 0
} else := {
	"uid": input.request.uid,
	"allowed": true,
	"patchType": "JSONPatch",
	"patch": base64.encode(json.marshal(patch)),
} if {
	applies
	tenant
	count(patch) > 0
} else := {"uid": input.request.uid, "allowed": true}
