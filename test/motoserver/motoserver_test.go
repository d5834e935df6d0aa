package motoserver

import (
	"net/http"
	"testing"
	"time"
)

func TestStartAndCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	var endpoint string
	t.Run("running", func(t *testing.T) {
		endpoint = Start(t)
		resp, err := http.Get(endpoint + "/moto-api/")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	})
	if endpoint == "" {
		t.Skip("moto_server unavailable")
	}
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(endpoint + "/moto-api/"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("server still answers after its test ended")
	}
}
