package opaserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// APIError is an error answer of OPA's REST API.
type APIError struct {
	Status  int
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors,omitempty"`
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("OPA answered %d %s: %s", e.Status, e.Code, e.Message)
	if len(e.Errors) > 0 {
		msg += " " + string(e.Errors)
	}
	return msg
}

// PutPolicy creates or replaces the policy module id (PUT /v1/policies/<id>),
// as kube-mgmt's InsertPolicy does. OPA compiles it together with every
// module already loaded; a compile error is an *APIError.
func (s *Server) PutPolicy(ctx context.Context, id string, module []byte) error {
	return s.do(ctx, http.MethodPut, "/v1/policies/"+strings.Trim(id, "/"), "text/plain", module, true, nil)
}

// PutData stores value at path under data (PUT /v1/data/<path>), as
// kube-mgmt's PutData does.
func (s *Server) PutData(ctx context.Context, path string, value any) error {
	body, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encoding data for %s: %w", path, err)
	}
	return s.do(ctx, http.MethodPut, "/v1/data/"+strings.Trim(path, "/"), "application/json", body, true, nil)
}

// PolicyIDs lists the loaded policy modules (GET /v1/policies).
func (s *Server) PolicyIDs(ctx context.Context) ([]string, error) {
	var out struct {
		Result []struct {
			ID string `json:"id"`
		} `json:"result"`
	}
	if err := s.do(ctx, http.MethodGet, "/v1/policies", "", nil, true, &out); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(out.Result))
	for _, p := range out.Result {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// Data reads the document at path (GET /v1/data/<path>) into out.
func (s *Server) Data(ctx context.Context, path string, out any) error {
	var res struct {
		Result json.RawMessage `json:"result"`
	}
	if err := s.do(ctx, http.MethodGet, "/v1/data/"+strings.Trim(path, "/"), "", nil, true, &res); err != nil {
		return err
	}
	if len(res.Result) == 0 {
		return fmt.Errorf("data.%s is undefined", strings.ReplaceAll(strings.Trim(path, "/"), "/", "."))
	}
	return json.Unmarshal(res.Result, out)
}

// Raw sends an arbitrary request, with the kube-mgmt token or anonymously
// (as the API server calls), and returns the status and body; for tests of
// the authorization policy.
func (s *Server) Raw(ctx context.Context, method, path string, body []byte, withToken bool) (int, []byte, error) {
	req, err := s.request(ctx, method, path, "application/json", body, withToken)
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (s *Server) request(ctx context.Context, method, path, contentType string, body []byte, withToken bool) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if contentType != "" && body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if withToken {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	return req, nil
}

func (s *Server) do(ctx context.Context, method, path, contentType string, body []byte, withToken bool, out any) error {
	req, err := s.request(ctx, method, path, contentType, body, withToken)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(data, apiErr) != nil || apiErr.Code == "" {
			apiErr.Message = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("%s %s: %w", method, path, apiErr)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
		}
	}
	return nil
}
