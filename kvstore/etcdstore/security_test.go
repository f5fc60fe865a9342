package etcdstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// pki issues certificates for the tests as PEM files in dir.
type pki struct{ dir string }

func (p pki) write(tb testing.TB, name string, blocks ...*pem.Block) string {
	path := filepath.Join(p.dir, name)
	var data []byte
	for _, b := range blocks {
		data = append(data, pem.EncodeToMemory(b)...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func newKey(tb testing.TB) (*ecdsa.PrivateKey, *pem.Block) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return key, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
}

// issue makes a certificate for name, valid for 127.0.0.1, signed by ca
// (self-signed if ca is nil). It returns the certificate and its key, and
// the paths of their files.
func (p pki) issue(tb testing.TB, name string, serial int64, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	key, keyPEM := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		ca, caKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert, key, p.write(tb, name+".pem", &pem.Block{Type: "CERTIFICATE", Bytes: der}), p.write(tb, name+"-key.pem", keyPEM)
}

func TestTLSWithClientCertificate(t *testing.T) {
	p := pki{t.TempDir()}
	ca, caKey, caFile, _ := p.issue(t, "ca", 1, nil, nil)
	_, _, serverCert, serverKey := p.issue(t, "server", 2, ca, caKey)
	_, _, clientCert, clientKey := p.issue(t, "client", 3, ca, caKey)

	cfg := memberConfig(t, "tls", "https://127.0.0.1:0", "http://127.0.0.1:0")
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClientTLSInfo = transport.TLSInfo{CertFile: serverCert, KeyFile: serverKey, TrustedCAFile: caFile, ClientCertAuth: true}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	waitReady(t, e)
	ep := "https://" + e.Clients[0].Addr().String()

	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, CACert: caFile, Cert: clientCert, Key: clientKey})
	if err := s.Set("k", "over TLS"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("k"); v != "over TLS" {
		t.Errorf("Get = %v", v)
	}
	// Each failure says what TLS found, rather than that nobody answered.
	for name, c := range map[string]etcdstore.Config{
		"without a client certificate": {Endpoints: []string{ep}, CACert: caFile},
		"without trusting the CA":      {Endpoints: []string{ep}, Cert: clientCert, Key: clientKey},
		"in plain text":                {Endpoints: []string{strings.TrimPrefix(ep, "https://")}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := etcdstore.Open(ctx, c)
		var tlsErr *etcdstore.TLSError
		switch {
		case err == nil:
			s.Close()
			t.Errorf("Open %s succeeded", name)
		case !errors.As(err, &tlsErr):
			t.Errorf("Open %s: %v, want a TLSError", name, err)
		}
		cancel()
	}
}

func TestAuth(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	if _, err := cli.UserAdd(ctx, "root", "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/a/", Username: "root", Password: "secret"})
	if err := s.Set("k", 1); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]etcdstore.Config{
		"with a wrong password": {Endpoints: []string{ep}, Username: "root", Password: "wrong"},
		"without credentials":   {Endpoints: []string{ep}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if s, err := etcdstore.Open(ctx, c); err == nil {
			s.Close()
			t.Errorf("Open %s succeeded", name)
		}
		cancel()
	}
}
