package opaserver

import "testing"

func TestParseDecisions(t *testing.T) {
	text := `# HELP http_request_duration_seconds A histogram of duration for requests.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{code="200",handler="index",method="post",le="0.001"} 3
http_request_duration_seconds_sum{code="200",handler="index",method="post"} 0.5
http_request_duration_seconds_count{code="200",handler="index",method="post"} 4
http_request_duration_seconds_sum{code="404",handler="index",method="post"} 0.25
http_request_duration_seconds_count{code="404",handler="index",method="post"} 1
http_request_duration_seconds_count{code="200",handler="v1/data",method="get"} 7
http_request_duration_seconds_count{code="200",handler="indexes",method="post"} 9
`
	got, err := parseDecisions([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if got.Calls != 5 || got.Seconds != 0.75 {
		t.Errorf("parsed %+v, want 5 calls (every status of the index handler only) and 0.75 s", got)
	}
	if _, err := parseDecisions([]byte(`http_request_duration_seconds_count{handler="index"}` + "\n")); err == nil {
		t.Error("a line without a value parsed")
	}
}
