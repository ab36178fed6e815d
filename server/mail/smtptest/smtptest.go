//go:build !wasm

// Package smtptest runs a small SMTP server for tests, as net/http/httptest runs HTTP
// servers: it accepts mail on 127.0.0.1 and keeps every message it is given. It speaks
// what the directory's sender uses (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT), on net/textproto.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Message is one email the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as sent, headers and body
	TLS  bool   // whether it came over STARTTLS
	User string // who authenticated, "" for no one
}

// Parsed reads the message's headers and body.
func (m Message) Parsed() (*mail.Message, error) {
	return mail.ReadMessage(strings.NewReader(string(m.Data)))
}

// Options set what the server offers and refuses.
type Options struct {
	TLS      bool   // offer STARTTLS, with a certificate for 127.0.0.1 (see Server.RootCAs)
	Username string // require AUTH PLAIN with this username and Password
	Password string
	// RefuseRcpt refuses these recipients with 550, to test per-message failures.
	RefuseRcpt []string
}

// Server is a running test SMTP server.
type Server struct {
	Addr string // host:port

	opts    Options
	ln      net.Listener
	tlsConf *tls.Config
	certs   *x509.CertPool

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
	wg       sync.WaitGroup
}

// Start runs a server on 127.0.0.1 until Close.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln, arrived: make(chan struct{}, 1)}
	if opts.TLS {
		if err := s.makeCertificate(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// RootCAs holds the certificate the server offers over STARTTLS, for a client to trust.
func (s *Server) RootCAs() *x509.CertPool { return s.certs }

// Close stops the server and waits for its connections to end.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages arrived, at most timeout, and returns them.
func (s *Server) Wait(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return s.Messages(), fmt.Errorf("smtptest: %d messages arrived within %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		}()
	}
}

// session answers one connection.
func (s *Server) session(conn net.Conn) {
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 smtptest ready") {
		return
	}
	var msg Message
	secure, user := false, ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-smtptest"}
			if s.opts.TLS && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			if s.opts.Username != "" {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 8BITMIME")
			for _, l := range ext {
				if !reply("%s", l) {
					return
				}
			}
		case "STARTTLS":
			if !s.opts.TLS || secure {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 ||
				parts[1] != s.opts.Username || parts[2] != s.opts.Password {
				reply("535 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 authenticated")
		case "MAIL":
			if s.opts.Username != "" && user == "" {
				reply("530 authenticate first")
				continue
			}
			msg = Message{From: address(arg), TLS: secure, User: user}
			reply("250 ok")
		case "RCPT":
			to := address(arg)
			if refused(s.opts.RefuseRcpt, to) {
				reply("550 no such mailbox")
				continue
			}
			msg.To = append(msg.To, to)
			reply("250 ok")
		case "DATA":
			if len(msg.To) == 0 {
				reply("503 no recipient")
				continue
			}
			reply("354 end with a dot")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.Data = data
			s.keep(msg)
			msg = Message{}
			reply("250 queued")
		case "RSET":
			msg = Message{}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

func (s *Server) keep(m Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

// address reads the address of "FROM:<a@b>" or "TO:<a@b>".
func address(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v = strings.TrimSpace(v)
	if i := strings.Index(v, ">"); strings.HasPrefix(v, "<") && i > 0 {
		return v[1:i]
	}
	return v
}

func refused(list []string, to string) bool {
	for _, r := range list {
		if strings.EqualFold(r, to) {
			return true
		}
	}
	return false
}

// makeCertificate makes a self-signed certificate for 127.0.0.1.
func (s *Server) makeCertificate() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	s.certs = x509.NewCertPool()
	s.certs.AddCert(cert)
	s.tlsConf = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return nil
}
