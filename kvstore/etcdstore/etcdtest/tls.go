package etcdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// TLSFiles are the PEM files of a member started by StartTLS: the CA that
// signed its certificate and the client's, the client's certificate and
// key, and another CA that signed nothing of it (a wrong --cacert).
type TLSFiles struct {
	CA, Cert, Key, OtherCA string
}

// StartTLS runs a one-member etcd like Start that serves clients only
// over TLS and requires a client certificate signed by its CA. It returns
// the member's client endpoint (HOST:PORT, to be reached over TLS) and
// the files a client needs, and stops with the test.
func StartTLS(tb testing.TB, name string) (string, TLSFiles) {
	tb.Helper()
	dir := tb.TempDir()
	ca, caKey, caFile, _ := issue(tb, dir, "ca", 1, nil, nil)
	_, _, serverCert, serverKey := issue(tb, dir, "server", 2, ca, caKey)
	_, _, clientCert, clientKey := issue(tb, dir, "client", 3, ca, caKey)
	_, _, otherCA, _ := issue(tb, dir, "other-ca", 4, nil, nil)

	cfg := embed.NewConfig()
	cfg.Name = name
	cfg.Dir = tb.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	client := url.URL{Scheme: "https", Host: "127.0.0.1:0"}
	peer := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClientTLSInfo = transport.TLSInfo{CertFile: serverCert, KeyFile: serverKey, TrustedCAFile: caFile, ClientCertAuth: true}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	waitReady(tb, e)
	return e.Clients[0].Addr().String(), TLSFiles{CA: caFile, Cert: clientCert, Key: clientKey, OtherCA: otherCA}
}

// issue makes a certificate for name, valid for 127.0.0.1 for an hour,
// signed by ca (self-signed, a CA, if ca is nil), and writes it and its
// key to dir. It returns both and the paths of their files.
func issue(tb testing.TB, dir, name string, serial int64, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
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
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile := writePEM(tb, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
	keyFile := writePEM(tb, filepath.Join(dir, name+"-key.pem"), "EC PRIVATE KEY", keyDER)
	return cert, key, certFile, keyFile
}

func writePEM(tb testing.TB, path, kind string, der []byte) string {
	tb.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
