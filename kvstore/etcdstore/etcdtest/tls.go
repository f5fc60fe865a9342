package etcdtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
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
	ca, caKey, caFile, _ := Issue(tb, dir, "ca", 1, nil, nil)
	_, _, serverCert, serverKey := Issue(tb, dir, "server", 2, ca, caKey)
	_, _, clientCert, clientKey := Issue(tb, dir, "client", 3, ca, caKey)
	_, _, otherCA, _ := Issue(tb, dir, "other-ca", 4, nil, nil)

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

// Issue makes a certificate for name, valid for 127.0.0.1 for an hour,
// signed by ca (self-signed, a CA, if ca is nil), and writes it and its
// key to dir as PEM files. It returns both and the paths of their files.
func Issue(tb testing.TB, dir, name string, serial int64, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
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

// memberTLS is the TLS of a member of a secure cluster: one certificate
// for clients and peers alike, signed by the CA that must sign theirs.
type memberTLS struct {
	ca, cert, key string
}

func (m *memberTLS) configure(cfg *embed.Config) {
	info := transport.TLSInfo{CertFile: m.cert, KeyFile: m.key, TrustedCAFile: m.ca, ClientCertAuth: true}
	cfg.ClientTLSInfo, cfg.PeerTLSInfo = info, info
}

// SecureCluster is a cluster started by StartSecureCluster.
type SecureCluster struct {
	// Members can be stopped and restarted like StartCluster's; their
	// endpoints are reached over TLS.
	Members []*Server
	// TLS holds the CA that signed every member's certificate and the
	// client's, and the client's certificate and key.
	TLS TLSFiles
	// User and Password are those of root, the one user, with
	// authentication enabled.
	User, Password string
}

// Endpoints returns the members' client endpoints (HOST:PORT).
func (c *SecureCluster) Endpoints() []string {
	eps := make([]string, len(c.Members))
	for i, m := range c.Members {
		eps[i] = m.Endpoint()
	}
	return eps
}

// Client connects an etcd client to every member, over TLS with the
// client certificate, as root, with its log silenced. It closes with the
// test.
func (c *SecureCluster) Client(tb testing.TB) *clientv3.Client {
	tb.Helper()
	tlsCfg, err := transport.TLSInfo{CertFile: c.TLS.Cert, KeyFile: c.TLS.Key, TrustedCAFile: c.TLS.CA}.ClientConfig()
	if err != nil {
		tb.Fatal(err)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, TLS: tlsCfg,
		Username: c.User, Password: c.Password, Logger: zap.NewNop(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// StartSecureCluster runs a cluster of n members named m0, m1, … like
// StartCluster, whose members speak only TLS to clients and to each other
// and require a certificate signed by their CA from both, with
// authentication enabled and one user, root. It returns once every member
// is ready and authentication is on; the cluster stops with the test.
func StartSecureCluster(tb testing.TB, n int) *SecureCluster {
	tb.Helper()
	dir := tb.TempDir()
	ca, caKey, caFile, _ := Issue(tb, dir, "ca", 1, nil, nil)
	_, _, memberCert, memberKey := Issue(tb, dir, "member", 2, ca, caKey)
	_, _, clientCert, clientKey := Issue(tb, dir, "client", 3, ca, caKey)
	_, _, otherCA, _ := Issue(tb, dir, "other-ca", 4, nil, nil)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("m%d", i)
	}
	members := startMembers(tb, names, "kvstore-secure-test", &memberTLS{ca: caFile, cert: memberCert, key: memberKey})
	c := &SecureCluster{
		Members: members,
		TLS:     TLSFiles{CA: caFile, Cert: clientCert, Key: clientKey, OtherCA: otherCA},
		User:    "root", Password: "root-secret",
	}
	// Before authentication is on, the client needs no user.
	admin := &SecureCluster{Members: members, TLS: c.TLS}
	cli := admin.Client(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cli.UserAdd(ctx, c.User, c.Password); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, c.User, "root"); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		tb.Fatal(err)
	}
	return c
}
