package oidcpeer

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

var (
	reForm   = regexp.MustCompile(`(?is)<form[^>]*\baction="([^"]*)"`)
	reInput  = regexp.MustCompile(`(?is)<input[^>]*>`)
	reName   = regexp.MustCompile(`(?is)\bname="([^"]*)"`)
	reValue  = regexp.MustCompile(`(?is)\bvalue="([^"]*)"`)
	reType   = regexp.MustCompile(`(?is)\btype="([^"]*)"`)
	reErrMsg = regexp.MustCompile(`(?is)<p style="color:red[^>]*>([^<]*)</p>`)
)

// authorize opens authorizeURL in a fresh user agent (its own cookie jar)
// that follows the provider's redirects and stops at the first one that
// leaves the provider or goes to one of the paths stop. It returns the user
// agent and its last response.
func (p *Peer) authorize(ctx context.Context, authorizeURL string, stop ...string) (*http.Client, *http.Response, error) {
	issuer, err := url.Parse(p.issuer)
	if err != nil {
		return nil, nil, err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, nil, err
	}
	c := &http.Client{
		Transport: p.browser,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != issuer.Host || slices.Contains(stop, req.URL.Path) {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("oidcpeer: too many redirects")
			}
			return nil
		},
	}
	resp, err := get(ctx, c, authorizeURL)
	return c, resp, err
}

// maxPage bounds what BrowserLogin reads of a page.
const maxPage = 1 << 20

// BrowserLogin plays the user agent of a sign-in: it opens authorizeURL,
// follows the provider to its login form (exampleop's), posts username and
// password, follows the provider's redirects and stops at the first redirect
// that leaves the provider (to the client's redirect URI), returning the code
// and state of that redirect. An error response of the provider (error=... on
// the redirect, or the login form shown again) is returned as an error.
func (p *Peer) BrowserLogin(ctx context.Context, authorizeURL, username, password string) (code, state string, err error) {
	// The tenant's own landing page (PathPostStepUp) is the client's
	// redirect URI too, though it is on the provider.
	c, resp, err := p.authorize(ctx, authorizeURL, PathPostStepUp)
	if err != nil {
		return "", "", err
	}
	if loc, ok := leaving(resp); ok {
		return codeFrom(loc)
	}
	page, err := readPage(resp)
	if err != nil {
		return "", "", err
	}
	m := reForm.FindStringSubmatch(page)
	if m == nil {
		return "", "", fmt.Errorf("oidcpeer: no login form at %s (status %d)", resp.Request.URL.Path, resp.StatusCode)
	}
	action, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return "", "", err
	}
	form := url.Values{}
	for _, in := range reInput.FindAllString(page, -1) {
		typ := reType.FindStringSubmatch(in)
		name := reName.FindStringSubmatch(in)
		if typ == nil || name == nil || !strings.EqualFold(typ[1], "hidden") {
			continue
		}
		value := ""
		if v := reValue.FindStringSubmatch(in); v != nil {
			value = html.UnescapeString(v[1])
		}
		form.Set(html.UnescapeString(name[1]), value)
	}
	form.Set("username", username)
	form.Set("password", password)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return "", "", err
	}
	if loc, ok := leaving(resp); ok {
		return codeFrom(loc)
	}
	page, err = readPage(resp)
	if err != nil {
		return "", "", err
	}
	if m := reErrMsg.FindStringSubmatch(page); m != nil && strings.TrimSpace(m[1]) != "" {
		return "", "", fmt.Errorf("oidcpeer: login refused: %s", html.UnescapeString(strings.TrimSpace(m[1])))
	}
	return "", "", fmt.Errorf("oidcpeer: sign-in did not redirect to the client (status %d at %s)", resp.StatusCode, resp.Request.URL.Path)
}

func get(ctx context.Context, c *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// leaving reports the redirect target of a response that leaves the provider.
func leaving(resp *http.Response) (*url.URL, bool) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil, false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxPage))
	loc, err := resp.Location()
	if err != nil {
		return nil, false
	}
	return loc, true
}

func readPage(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	return string(b), err
}

func codeFrom(loc *url.URL) (code, state string, err error) {
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", "", fmt.Errorf("oidcpeer: provider answered error=%q error_description=%q", e, q.Get("error_description"))
	}
	code = q.Get("code")
	if code == "" {
		return "", "", fmt.Errorf("oidcpeer: redirect to %s%s carries no code", loc.Host, loc.Path)
	}
	return code, q.Get("state"), nil
}
