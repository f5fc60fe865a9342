package etcdstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// TLSError is wrapped by the error of an Open that could not connect
// because TLS did not work out with a member: the client spoke plain text
// to a member that serves TLS or the other way round, or the handshake
// failed (a certificate not trusted, none given where the member requires
// one). gRPC only retries such a connection until the dial timeout, so
// Open, once that has run out, makes one handshake of its own to say why.
type TLSError struct {
	// Endpoint is the member, as Config.Endpoints gives it.
	Endpoint string
	// ServesTLS is set when the client spoke plain text to a member that
	// answers only TLS.
	ServesTLS bool
	// PlainText is set when the client spoke TLS to a member that seems
	// not to: it answered plain text, or closed the handshake.
	PlainText bool
	// Err is the handshake's error otherwise, such as a
	// *tls.CertificateVerificationError or the member's alert.
	Err error
}

func (e *TLSError) Error() string {
	switch {
	case e.ServesTLS:
		return fmt.Sprintf("etcdstore: %s serves TLS, and the client spoke plain text to it", e.Endpoint)
	case e.PlainText:
		return fmt.Sprintf("etcdstore: %s does not seem to serve TLS (it closed the TLS handshake or answered in plain text)", e.Endpoint)
	}
	return fmt.Sprintf("etcdstore: TLS handshake with %s: %v", e.Endpoint, e.Err)
}

func (e *TLSError) Unwrap() error { return e.Err }

// probeTimeout bounds the handshake that explains a failed connection:
// a member that accepts the connection but never answers teaches nothing,
// and the user has waited the dial timeout already.
const probeTimeout = time.Second

// probeTLS handshakes with each endpoint at once, as the client would
// (tlsCfg nil: plain text, except for an https:// endpoint), and returns
// a *TLSError for the first, in the order given, whose TLS went wrong, or
// nil if none did.
func probeTLS(ctx context.Context, endpoints []string, tlsCfg *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	results := make([]chan error, len(endpoints))
	for i, ep := range endpoints {
		results[i] = make(chan error, 1)
		go func() { results[i] <- probeOne(ctx, ep, tlsCfg) }()
	}
	var first error
	for _, r := range results {
		if err := <-r; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// probeOne handshakes with one endpoint. A member that cannot be reached,
// or does not answer in time, says nothing about TLS: nil.
func probeOne(ctx context.Context, endpoint string, tlsCfg *tls.Config) error {
	addr := endpoint
	switch {
	case strings.HasPrefix(addr, "https://"):
		addr = strings.TrimPrefix(addr, "https://")
		if tlsCfg == nil {
			tlsCfg = &tls.Config{}
		}
	case strings.HasPrefix(addr, "http://"):
		addr, tlsCfg = strings.TrimPrefix(addr, "http://"), nil
	}
	addr, _, _ = strings.Cut(addr, "/")
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if tlsCfg == nil {
		// Does it answer TLS? Any certificate will do to find out.
		c := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: host})
		if c.HandshakeContext(ctx) == nil {
			return &TLSError{Endpoint: endpoint, ServesTLS: true}
		}
		return nil
	}
	cfg := tlsCfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	// gRPC offers HTTP/2 only; a member whose TLS takes other protocols
	// is no concern here.
	cfg.NextProtos = []string{"h2"}
	c := tls.Client(conn, cfg)
	err = c.HandshakeContext(ctx)
	var header tls.RecordHeaderError
	switch {
	case errors.As(err, &header), errors.Is(err, io.EOF):
		// A plain member answers a handshake with plain text, or, as
		// etcd does, closes the connection on it.
		return &TLSError{Endpoint: endpoint, PlainText: true}
	case isTimeout(err):
		return nil
	case err != nil:
		return &TLSError{Endpoint: endpoint, Err: err}
	}
	// In TLS 1.3 the member checks the client's certificate after the
	// client has finished: a refusal comes as an alert on the first read.
	// A member that is content sends its HTTP/2 settings instead.
	if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) && isAlert(err) {
		return &TLSError{Endpoint: endpoint, Err: err}
	}
	return nil
}

// isTimeout reports whether err is a deadline that ran out.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isAlert reports whether err is a TLS alert the peer sent, which
// crypto/tls reports only in its text.
func isAlert(err error) bool { return strings.Contains(err.Error(), "remote error: tls:") }
