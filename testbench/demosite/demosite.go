// Package demosite is the simulated lobby's "demo public service": a small
// website on loopback that behaves like the real ones where it matters to
// Borne — a login, a form with a file input and a size limit the server
// enforces, and a downloadable attestation.
package demosite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Site is one simulated service, served under /ID/.
type Site struct {
	ID     string
	Name   string
	Limit  int64    // upload limit in bytes, enforced by the server
	Accept []string // MIME types accepted for uploads
}

// Demo credentials, printed on the login page: this is a demonstration.
const (
	DemoUser     = "demo"
	DemoPassword = "borne"
)

// Server serves the simulated sites.
type Server struct {
	sites map[string]Site
	log   *slog.Logger

	mu       sync.Mutex
	sessions map[string]string // cookie value → site id
}

// New makes a server for the given sites.
func New(sites []Site, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{sites: map[string]Site{}, log: log, sessions: map[string]string{}}
	for _, site := range sites {
		s.sites[site.ID] = site
	}
	return s
}

// Serve listens on addr (a loopback address) until ctx ends.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demosite: listen %s: %w", addr, err)
	}
	return s.ServeOn(ctx, ln)
}

// ServeOn serves ln until ctx ends, and closes it.
func (s *Server) ServeOn(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("demosite: %w", err)
	}
	return ctx.Err()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	site, ok := s.sites[id]
	if !ok {
		s.index(w)
		return
	}
	switch {
	case rest == "" && r.Method == http.MethodGet:
		s.page(w, r, http.StatusOK, site, "login", nil)
	case rest == "login" && r.Method == http.MethodPost:
		s.login(w, r, site)
	case rest == "form" && r.Method == http.MethodGet:
		if s.requireLogin(w, r, site) {
			s.page(w, r, http.StatusOK, site, "form", nil)
		}
	case rest == "upload" && r.Method == http.MethodPost:
		if s.requireLogin(w, r, site) {
			s.upload(w, r, site)
		}
	case rest == "attestation.pdf" && r.Method == http.MethodGet:
		if s.requireLogin(w, r, site) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", `attachment; filename="attestation.pdf"`)
			_, _ = w.Write(Attestation(site.Name, time.Now()))
		}
	case rest == "help":
		s.page(w, r, http.StatusOK, site, "help", nil)
	case rest == "redirect":
		http.Redirect(w, r, outside(r)+"/"+site.ID+"/help", http.StatusFound) // off the allowlist
	case rest == "logout":
		s.logout(w, r)
		http.Redirect(w, r, "/"+site.ID+"/", http.StatusSeeOther)
	case r.Method == http.MethodGet && s.hostile(w, r, site, rest):
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, site Site) {
	if r.PostFormValue("user") != DemoUser || r.PostFormValue("password") != DemoPassword {
		s.page(w, r, http.StatusUnauthorized, site, "login", "Identifiant ou mot de passe incorrect.")
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.sessions[token] = site.ID
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "demo_session", Value: token, Path: "/" + site.ID + "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/"+site.ID+"/form", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie("demo_session"); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: "demo_session", Path: "/", MaxAge: -1})
}

// requireLogin sends visitors without a session back to the login page.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request, site Site) bool {
	c, err := r.Cookie("demo_session")
	if err == nil {
		s.mu.Lock()
		owner := s.sessions[c.Value]
		s.mu.Unlock()
		if owner == site.ID {
			return true
		}
	}
	http.Redirect(w, r, "/"+site.ID+"/", http.StatusSeeOther)
	return false
}

// upload enforces the limit on the bytes actually sent, like a real site.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, site Site) {
	r.Body = http.MaxBytesReader(w, r.Body, site.Limit+64<<10) // room for the multipart envelope
	file, hdr, err := r.FormFile("document")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.page(w, r, http.StatusRequestEntityTooLarge, site, "form", fmt.Sprintf("Fichier trop volumineux : %d Ko au maximum.", site.Limit/1000))
		return
	case err != nil:
		s.page(w, r, http.StatusBadRequest, site, "form", "Aucun fichier reçu.")
		return
	}
	defer file.Close()
	head := make([]byte, 512)
	n, _ := file.Read(head)
	kind := http.DetectContentType(head[:n])
	if !accepted(kind, site.Accept) {
		s.page(w, r, http.StatusUnsupportedMediaType, site, "form", "Format refusé : envoyez un PDF ou une image JPEG.")
		return
	}
	if hdr.Size > site.Limit {
		s.page(w, r, http.StatusRequestEntityTooLarge, site, "form", fmt.Sprintf("Fichier trop volumineux : %d Ko au maximum.", site.Limit/1000))
		return
	}
	s.log.Info("demosite: document received", "site", site.ID, "type", kind, "bytes", hdr.Size)
	s.page(w, r, http.StatusOK, site, "received", fmt.Sprintf("Document reçu (%d Ko). Merci.", (hdr.Size+999)/1000))
}

func accepted(kind string, accept []string) bool {
	kind, _, _ = strings.Cut(kind, ";")
	for _, a := range accept {
		if a == kind {
			return true
		}
	}
	return false
}

func (s *Server) index(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTemplate.Execute(w, s.sites)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, site Site, name string, message any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, struct {
		Site               Site
		Message            any
		User, Password     string
		AcceptAttr, Limits string
		Outside            string
	}{site, message, DemoUser, DemoPassword, strings.Join(site.Accept, ","), fmt.Sprintf("%d Ko", site.Limit/1000), outside(r)})
}

// outside is this same server under another name (localhost instead of
// 127.0.0.1): a different site for the kiosk's allowlist.
func outside(r *http.Request) string {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		port = "80"
	}
	return "http://localhost:" + port
}
