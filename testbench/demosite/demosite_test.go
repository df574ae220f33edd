package demosite

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newClient(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(New([]Site{{ID: "caf", Name: "CAF", Limit: 100_000, Accept: []string{"application/pdf", "image/jpeg"}}}, nil))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return srv, &http.Client{Jar: jar}
}

func login(t *testing.T, srv *httptest.Server, c *http.Client, user, password string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(srv.URL+"/caf/login", url.Values{"user": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func upload(t *testing.T, srv *httptest.Server, c *http.Client, name string, body []byte) int {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("document", name)
	fw.Write(body)
	mw.Close()
	resp, err := c.Post(srv.URL+"/caf/upload", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestLoginGuardsTheForm(t *testing.T) {
	srv, c := newClient(t)
	resp, err := c.Get(srv.URL + "/caf/form")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/caf/" {
		t.Fatalf("anonymous visit ended on %s, want the login page", resp.Request.URL.Path)
	}
	if r := login(t, srv, c, "demo", "wrong"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	if r := login(t, srv, c, DemoUser, DemoPassword); r.StatusCode != http.StatusOK || r.Request.URL.Path != "/caf/form" {
		t.Fatalf("login: %d at %s", r.StatusCode, r.Request.URL.Path)
	}
}

func TestUploadLimitAndTypeAreEnforcedByTheServer(t *testing.T) {
	srv, c := newClient(t)
	login(t, srv, c, DemoUser, DemoPassword)
	pdf := Attestation("CAF", time.Now())
	tests := []struct {
		name string
		body []byte
		want int
	}{
		{"small pdf", pdf, http.StatusOK},
		{"jpeg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 1000)...), http.StatusOK},
		{"over the limit", append(append([]byte{}, pdf...), bytes.Repeat([]byte{' '}, 200_000)...), http.StatusRequestEntityTooLarge},
		{"just over the limit", append(append([]byte{}, pdf...), bytes.Repeat([]byte{' '}, 100_001-len(pdf))...), http.StatusRequestEntityTooLarge},
		{"a text file", []byte(strings.Repeat("hello ", 100)), http.StatusUnsupportedMediaType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := upload(t, srv, c, "doc", tc.body); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}

// The attestation is a valid PDF: qpdf checks its structure.
func TestAttestationIsAValidPDF(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	path := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(path, Attestation("Maison France Services — démonstration (test)", time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}
