package tenants_test

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
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
	for i := range p.Spec.MatchConditions {
		mc := (*matchconditions.MatchCondition)(&p.Spec.MatchConditions[i])
		if r := compiler.CompileCELExpression(mc, withAuthz, environment.NewExpressions); r.Error != nil {
			errs = append(errs, "matchConditions "+mc.Name+": "+r.Error.Error())
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
	if p.Spec.ParamKind != nil || len(p.Spec.AuditAnnotations) > 0 {
		t.Fatal("the harness does not handle params or audit annotations")
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
	// skipped: a match condition was false, the validations did not run.
	skipped bool
}

// newMatcher compiles the policy's match conditions as the apiserver's policy plugin does
// (plugin.go compilePolicy); nil when the policy has none.
func newMatcher(t *testing.T, p *admissionregistrationv1.ValidatingAdmissionPolicy) matchconditions.Matcher {
	t.Helper()
	if len(p.Spec.MatchConditions) == 0 {
		return nil
	}
	compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		t.Fatal(err)
	}
	accessors := make([]plugincel.ExpressionAccessor, len(p.Spec.MatchConditions))
	for i := range p.Spec.MatchConditions {
		accessors[i] = (*matchconditions.MatchCondition)(&p.Spec.MatchConditions[i])
	}
	return matchconditions.NewMatcher(compiler.CompileCondition(accessors, plugincel.OptionalVariableDeclarations{HasAuthorizer: true}, environment.StoredExpressions),
		p.Spec.FailurePolicy, "policy", "validate", p.Name)
}

// policyUnderTest is a compiled policy: its match conditions and its validations.
type policyUnderTest struct {
	matcher   matchconditions.Matcher
	validator validating.Validator
}

func compile(t *testing.T, p *admissionregistrationv1.ValidatingAdmissionPolicy) policyUnderTest {
	t.Helper()
	return policyUnderTest{matcher: newMatcher(t, p), validator: newValidator(t, p)}
}

// request is one admission request for the harness.
type request struct {
	op        admission.Operation
	namespace *corev1.Namespace // nil for cluster-scoped objects
	obj, old  runtime.Object
	gvk       schema.GroupVersionKind
	gvr       schema.GroupVersionResource
	user      user.Info
}

// decide runs the match conditions and, when they match, the validations, as the API server
// does for a request the policy's match constraints selected.
func (pt policyUnderTest) decide(t *testing.T, r request) verdict {
	t.Helper()
	nsName := ""
	if r.namespace != nil {
		nsName = r.namespace.Name
	}
	name := ""
	if m, ok := r.obj.(metav1.Object); ok {
		name = m.GetName()
	}
	attrs := admission.NewAttributesRecord(r.obj, r.old, r.gvk, nsName, name, r.gvr, "", r.op, nil, false, r.user)
	va := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: r.gvk, VersionedObject: r.obj, VersionedOldObject: r.old}
	if pt.matcher != nil {
		m := pt.matcher.Match(context.Background(), va, nil, nil)
		if m.Error != nil {
			t.Errorf("match condition error (fails closed): %v", m.Error)
			return verdict{messages: []string{m.Error.Error()}}
		}
		if !m.Matches {
			return verdict{allowed: true, skipped: true}
		}
	}
	var ns *corev1.Namespace
	if r.namespace != nil {
		ns = r.namespace
	}
	res := pt.validator.Validate(context.Background(), r.gvr, va, nil, ns, celconfig.RuntimeCELCostBudget, nil)
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

// admit evaluates the validator on one pod request in namespace ns, sent by the namespace's
// default service account.
func admit(t *testing.T, v validating.Validator, op admission.Operation, ns *corev1.Namespace, pod, oldPod *corev1.Pod) verdict {
	t.Helper()
	return admitAs(t, policyUnderTest{validator: v}, op, ns, pod, oldPod, &user.DefaultInfo{Name: "system:serviceaccount:" + ns.Name + ":default"})
}

// admitAs is admit with match conditions and a chosen requester.
func admitAs(t *testing.T, pt policyUnderTest, op admission.Operation, ns *corev1.Namespace, pod, oldPod *corev1.Pod, u user.Info) verdict {
	t.Helper()
	// A nil *corev1.Pod must stay an untyped nil in the interface.
	var oldObj runtime.Object
	if oldPod != nil {
		oldObj = oldPod
	}
	return pt.decide(t, request{op: op, namespace: ns, obj: pod, old: oldObj,
		gvk: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, user: u})
}

func (v verdict) String() string {
	if v.allowed {
		return "allowed"
	}
	return "denied: " + strings.Join(v.messages, " | ")
}
