package opa

// Helpers shared with the external test package opa_test, which may import
// packages that import this one (the orchestrator, for its serialisation).
var (
	TestConfig   = testConfig
	ChartSchema  = chartSchema
	MergedValues = mergedValues
)
