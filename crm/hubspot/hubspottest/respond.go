package hubspottest

import (
	"encoding/json"
	"net/http"
)

const contentType = "application/json;charset=utf-8"

// apiError is HubSpot's Error body plus the legacy fields of rate-limit answers.
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
	GroupName     string              `json:"groupName,omitempty"`
	RequestID     string              `json:"requestId,omitempty"`
}

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError sends an error body whose correlationId matches the response header.
func writeError(w http.ResponseWriter, status int, e apiError) {
	e.Status = "error"
	e.CorrelationID = w.Header().Get("X-HubSpot-Correlation-Id")
	writeJSON(w, status, e)
}

func validationError(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, apiError{Category: "VALIDATION_ERROR", Message: msg})
}
