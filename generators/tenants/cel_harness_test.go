package tenants_test

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
)

// The CEL harness runs the policy through k8s.io/apiserver's own ValidatingAdmissionPolicy
// code: the same CEL environments, compiler, variable composition and validator the API server
// uses. Only the informer plumbing around them is left out.

// oldestVersion is the oldest Kubernetes the policy must be accepted by: admissionregistration
// v1 ValidatingAdmissionPolicy is GA from 1.30 (OpenShift 4.17). The API server checks new or
// changed expressions against the CEL libraries of its compatibility version.
var oldestVersion = version.MajorMinor(1, 30)

// compileErrors compiles every expression of the policy the way the API server validates a
// policy on create: the NewExpressions environment of the given version.
func compileErrors(t *testing.T, p *admissionregistrationv1.ValidatingAdmissionPolicy, ver *version.Version) []string {
	t.Helper()
	compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(ver))
	if err != nil {
		t.Fatal(err)
	}
	withAuthz := plugincel.OptionalVariableDeclarations{HasAuthorizer: true}
	noAuthz := plugincel.OptionalVariableDeclarations{}
	var errs []string
	for _, v := range p.Spec.Variables {
		if r := compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, withAuthz, environment.NewExpressions); r.Error != nil {
			errs = append(errs, "variables."+v.Name+": "+r.Error.Error())
		}
	}
	for _, v := range p.Spec.Validations {
		if r := compiler.CompileCELExpression(&validating.ValidationCondition{Expression: v.Expression}, withAuthz, environment.NewExpressions); r.Error != nil {
			errs = append(errs, "expression "+v.Expression+": "+r.Error.Error())
		}
		if v.MessageExpression == "" {
			continue
		}
		if r := compiler.CompileCELExpression(&validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}, noAuthz, environment.NewExpressions); r.Error != nil {
			errs = append(errs, "messageExpression "+v.MessageExpression+": "+r.Error.Error())
		}
	}
	return errs
}

// newValidator builds the validator exactly as the apiserver's policy plugin compiles a policy
// (plugin.go compilePolicy): stored-expression environment of the default compatibility version.
func newValidator(t *testing.T, p *admissionregistrationv1.ValidatingAdmissionPolicy) validating.Validator {
	t.Helper()
	if p.Spec.ParamKind != nil || len(p.Spec.MatchConditions) > 0 || len(p.Spec.AuditAnnotations) > 0 {
		t.Fatal("the harness does not handle params, match conditions or audit annotations")
	}
	compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		t.Fatal(err)
	}
	withAuthz := plugincel.OptionalVariableDeclarations{HasAuthorizer: true}
	noAuthz := plugincel.OptionalVariableDeclarations{}
	for _, v := range p.Spec.Variables {
		compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, withAuthz, environment.StoredExpressions)
	}
	validations := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return validating.NewValidator(
		compiler.CompileCondition(validations, withAuthz, environment.StoredExpressions),
		nil,
		compiler.CompileCondition(nil, noAuthz, environment.StoredExpressions),
		compiler.CompileCondition(messages, noAuthz, environment.StoredExpressions),
		p.Spec.FailurePolicy,
	)
}

// verdict is what the API server would answer: allowed, or the denial messages.
type verdict struct {
	allowed  bool
	messages []string
}

// admit evaluates the validator on one pod request in namespace ns.
func admit(t *testing.T, v validating.Validator, op admission.Operation, ns *corev1.Namespace, pod, oldPod *corev1.Pod) verdict {
	t.Helper()
	gvk := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	// A nil *corev1.Pod must stay an untyped nil in the interface.
	var oldObj runtime.Object
	if oldPod != nil {
		oldObj = oldPod
	}
	attrs := admission.NewAttributesRecord(pod, oldObj, gvk, ns.Name, pod.Name, gvr, "", op, nil, false,
		&user.DefaultInfo{Name: "system:serviceaccount:" + ns.Name + ":default"})
	va := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: gvk, VersionedObject: pod, VersionedOldObject: oldObj}
	res := v.Validate(context.Background(), gvr, va, nil, ns, celconfig.RuntimeCELCostBudget, nil)
	out := verdict{allowed: true}
	for _, d := range res.Decisions {
		if d.Evaluation == validating.EvalError {
			t.Errorf("policy evaluation error (fails closed): %s", d.Message)
		}
		if d.Action == validating.ActionDeny {
			out.allowed = false
			out.messages = append(out.messages, d.Message)
		}
	}
	return out
}

func (v verdict) String() string {
	if v.allowed {
		return "allowed"
	}
	return "denied: " + strings.Join(v.messages, " | ")
}
