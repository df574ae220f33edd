package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Fetch reads a bundle from src: a file (on a USB key, say) or an https://
// address, through client (nil: http.DefaultClient). Plain http is refused:
// the signature protects the content, but not against a replayed old bundle
// that a meddler serves instead of the new one. Reading stops past MaxSize.
func Fetch(ctx context.Context, src string, client *http.Client) ([]byte, error) {
	if !strings.Contains(src, "://") {
		f, err := os.Open(src)
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		defer f.Close()
		return readLimited(f, src)
	}
	u, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("bundle: %s: only https:// addresses (or a file) are allowed", src)
	}
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirected to %s: only https:// is allowed", req.URL.Redacted())
		}
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bundle: fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bundle: fetch %s: %s", src, resp.Status)
	}
	return readLimited(resp.Body, src)
}

func readLimited(r io.Reader, src string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("bundle: read %s: %w", src, err)
	}
	if len(data) > MaxSize {
		return nil, errors.New("bundle: " + src + ": larger than a bundle may be")
	}
	return data, nil
}
