package bundle

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TrustFile is the kiosk's list of keys whose bundles it accepts, relative
// to the provisioning root.
const TrustFile = "trusted-keys"

// keyType starts every line of a trust file, as in ssh's authorized_keys.
const keyType = "ed25519"

// TrustedKey is one public key of a trust file.
type TrustedKey struct {
	Key     ed25519.PublicKey
	Comment string // who holds the private key, e.g. "fleet 2026 (DSI Trappes)"
}

// TrustLine is the trust-file line for pub: "ed25519 BASE64 COMMENT".
func TrustLine(pub ed25519.PublicKey, comment string) string {
	return strings.TrimSpace(keyType + " " + base64.StdEncoding.EncodeToString(pub) + " " + comment)
}

// ParseTrust reads a trust file: one "ed25519 BASE64 [COMMENT]" per line;
// blank lines and lines starting with # are ignored. name is for errors.
func ParseTrust(data []byte, name string) ([]TrustedKey, error) {
	var keys []TrustedKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) < 2 || f[0] != keyType {
			return nil, fmt.Errorf("%s:%d: want %q followed by a base64 public key", name, n, keyType)
		}
		raw, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%s:%d: not a base64 ed25519 public key", name, n)
		}
		k := TrustedKey{Key: ed25519.PublicKey(raw)}
		if len(f) == 3 {
			k.Comment = strings.TrimSpace(f[2])
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return keys, nil
}

// LoadTrust reads the trust file at path. A kiosk without one trusts no
// bundle at all.
func LoadTrust(path string) ([]TrustedKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: trust file: %w", err)
	}
	keys, err := ParseTrust(data, path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("bundle: trust file %s lists no key", path)
	}
	return keys, nil
}

// GenerateKey makes a signing key pair: the private key as PKCS#8 PEM (the
// format of "openssl genpkey -algorithm ed25519") and the public key.
func GenerateKey() (privPEM []byte, pub ed25519.PublicKey, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pub, nil
}

// ParsePrivateKey reads a PKCS#8 PEM ed25519 private key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("bundle: not a PEM private key (want -----BEGIN PRIVATE KEY-----)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("bundle: private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("bundle: private key is %T, want ed25519", k)
	}
	return priv, nil
}
