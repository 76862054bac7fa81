package opachart

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// WebhookName is the name of the chart's single webhook entry.
const WebhookName = "webhook.openpolicyagent.org"

// MutatingWebhook returns the webhook configuration the chart renders
// (templates/webhookconfiguration.yaml) from v, as an API object map ready
// for a strict server-side apply. It follows the template field by field:
//
//   - kind: admissionController.kind; name: the chart's fullname;
//   - one webhook named webhook.openpolicyagent.org with
//     admissionReviewVersions [v1, v1beta1];
//   - namespaceSelector: admissionController.namespaceSelector, copied as is,
//     when set (`with`);
//   - failurePolicy, rules (copied as is) and sideEffects from
//     admissionController; timeoutSeconds from the top-level timeoutSeconds
//     when set (`if`);
//   - clientConfig.caBundle: the serving CA.
//
// The one difference: clientConfig names serverURL, not the chart's Service
// (<fullname> in the release namespace, port .Values.port, no path). The
// Service has no path, so the API server posts to "/", OPA's default
// decision (data.system.main); serverURL must therefore have path "/" too.
//
// Values the chart would not render a usable mutating webhook from are
// errors: admission control disabled, a ValidatingWebhookConfiguration
// (which cannot patch), or plain HTTP (the API server calls webhooks over
// TLS only).
func MutatingWebhook(v *Values, serverURL string, caBundle []byte) (map[string]any, error) {
	var errs []error
	if !v.AdmissionController.Enabled {
		errs = append(errs, errors.New("admissionController.enabled is false: the chart renders no webhook configuration"))
	}
	if v.AdmissionController.Kind != "MutatingWebhookConfiguration" {
		errs = append(errs, fmt.Errorf("admissionController.kind is %q: the pod volume is added by a patch, which only a MutatingWebhookConfiguration can apply", v.AdmissionController.Kind))
	}
	if !v.UseHTTPS {
		errs = append(errs, errors.New("useHttps is false: the API server calls webhooks over HTTPS only"))
	}
	if v.CertManager.Enabled {
		errs = append(errs, errors.New("certManager.enabled is true: the harness supplies its own CA bundle like generateCerts does; cert-manager is not run"))
	}
	name, err := fullname(v)
	if err != nil {
		errs = append(errs, err)
	}
	u, err := url.Parse(serverURL)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("server URL %q: %w", serverURL, err))
	case u.Scheme != "https" || u.Path != "/":
		errs = append(errs, fmt.Errorf("server URL %q: want https://<host>:<port>/ (the chart's Service has no path, so OPA is asked at /)", serverURL))
	}
	if len(caBundle) == 0 {
		errs = append(errs, errors.New("empty CA bundle: the API server could not verify OPA's certificate"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("chart values: %w", errors.Join(errs...))
	}

	webhook := map[string]any{
		"name":                    WebhookName,
		"admissionReviewVersions": []any{"v1", "v1beta1"},
		"failurePolicy":           v.lookup("admissionController", "failurePolicy"),
		"rules":                   v.lookup("admissionController", "rules"),
		"clientConfig": map[string]any{
			"url":      serverURL,
			"caBundle": base64.StdEncoding.EncodeToString(caBundle),
		},
		"sideEffects": v.lookup("admissionController", "sideEffect"),
	}
	if sel := v.lookup("admissionController", "namespaceSelector"); truthy(sel) {
		webhook["namespaceSelector"] = sel
	}
	if timeout := v.lookup("timeoutSeconds"); truthy(timeout) {
		webhook["timeoutSeconds"] = timeout
	}
	metadata := map[string]any{"name": name}
	if ann := v.lookup("admissionController", "annotations"); truthy(ann) {
		metadata["annotations"] = ann
	}
	return map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1",
		"kind":       v.AdmissionController.Kind,
		"metadata":   metadata,
		"webhooks":   []any{webhook},
	}, nil
}

// fullname is the chart's object name. Our values always set
// fullnameOverride so that the names do not depend on the release name; the
// chart's helper (not vendored) shortens and trims longer or odd overrides,
// which the harness refuses rather than imitates.
func fullname(v *Values) (string, error) {
	name := v.FullnameOverride
	switch {
	case name == "":
		return "", errors.New("fullnameOverride is empty: the generated values must fix the chart's object names")
	case len(name) > 63 || strings.HasSuffix(name, "-"):
		return "", fmt.Errorf("fullnameOverride %q is longer than 63 characters or ends in \"-\": the chart would shorten it", name)
	}
	return name, nil
}
