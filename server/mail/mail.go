//go:build !wasm

// Package mail delivers the directory's links by email: password resets and invitations,
// through an SMTP server (SMTP), or, without one, as "would send" lines in the log (Log),
// so that a newcomer sees the flow.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"useradmin/server"
)

// message is one email: its recipient, subject and plain text.
type message struct {
	to, subject, text string
}

func resetMessage(to, link string, expiresAt time.Time) message {
	return message{
		to:      to,
		subject: "Choose a new password",
		text: "A password reset was started for your account " + to + ".\n\n" +
			"Choose a new password with this link. It works once, until " + expiresAt.UTC().Format("2 Jan 2006 15:04 MST") + ":\n\n" +
			link + "\n\n" +
			"If you did not expect it, ignore this email: your password stays as it is.\n",
	}
}

func invitationMessage(m server.InvitationMail) message {
	who := m.InvitedBy
	if who == "" {
		who = "An admin"
	}
	return message{
		to:      m.To,
		subject: who + " invited you to " + m.Organization,
		text: who + " invited you to join " + m.Organization + ".\n\n" +
			"Accept the invitation, and choose your name and password, with this link. It works once, until " +
			m.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST") + ":\n\n" +
			m.Link + "\n\n" +
			"If you did not expect it, ignore this email: nothing happens until the link is opened.\n",
	}
}

// SMTP sends mail through an SMTP server: STARTTLS whenever the server offers it, and
// AUTH PLAIN with Username and Password when they are set (net/smtp sends them only over
// TLS or to localhost). Each call opens one connection for all its messages.
type SMTP struct {
	Addr     string // host:port of the mail server
	From     string // the sender's address, e.g. "Users <users@example.com>"
	Username string
	Password string
	// TLSConfig is used for STARTTLS; nil verifies the server's certificate for the host
	// of Addr against the system's roots.
	TLSConfig *tls.Config
	// Timeout bounds one call, from dialling to the last message; 0 means 30 seconds.
	Timeout time.Duration
}

var _ server.Mailer = (*SMTP)(nil)

// SendPasswordReset sends a reset link.
func (s *SMTP) SendPasswordReset(ctx context.Context, to, link string, expiresAt time.Time) error {
	return s.send(ctx, []message{resetMessage(to, link, expiresAt)})[0]
}

// SendInvitations sends each invitation over one connection; one error per mail.
func (s *SMTP) SendInvitations(ctx context.Context, mails []server.InvitationMail) []error {
	msgs := make([]message, len(mails))
	for i, m := range mails {
		msgs[i] = invitationMessage(m)
	}
	return s.send(ctx, msgs)
}

// Validate checks the configuration at start-up, so that a mistyped address fails there.
func (s *SMTP) Validate() error {
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return fmt.Errorf("-smtp-addr %q is not host:port, e.g. smtp.example.com:587", s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("-smtp-from %q is not an email address, e.g. users@example.com or \"Users <users@example.com>\"", s.From)
	}
	return nil
}

// send delivers msgs in one SMTP session and returns an error per message.
func (s *SMTP) send(ctx context.Context, msgs []message) []error {
	errs := make([]error, len(msgs))
	fail := func(from int, err error) {
		for i := from; i < len(msgs); i++ {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := s.dial(ctx)
	if err != nil {
		fail(0, err)
		return errs
	}
	defer c.Close()
	from, _ := mail.ParseAddress(s.From)
	for i, m := range msgs {
		if err := s.deliver(c, from, m); err != nil {
			errs[i] = fmt.Errorf("send mail to %s: %w", m.to, err)
			if rerr := c.Reset(); rerr != nil {
				fail(i+1, fmt.Errorf("send mail: the server broke off: %w", rerr))
				return errs
			}
		}
	}
	_ = c.Quit()
	return errs
}

// dial connects, says hello, starts TLS when offered and authenticates when configured.
func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial smtp %s: %w", s.Addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	if err := c.Hello("localhost"); err != nil {
		c.Close()
		return nil, fmt.Errorf("smtp hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			c.Close()
			return nil, errors.New("smtp: the server offers no AUTH, but a username is configured")
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp auth: %w", err)
		}
	}
	return c, nil
}

// deliver sends one message on an open session.
func (s *SMTP) deliver(c *smtp.Client, from *mail.Address, m message) error {
	to, err := mail.ParseAddress(m.to)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", m.to, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(compose(from, to, m)); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// compose writes m as a MIME message: headers (the subject encoded as RFC 2047 says, so
// that no name can add a header), then the text in quoted-printable UTF-8.
func compose(from, to *mail.Address, m message) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := "localhost"
	if at := strings.LastIndex(from.Address, "@"); at >= 0 {
		domain = from.Address[at+1:]
	}
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", to.String())
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.text)) // line breaks become CRLF
	qp.Close()
	return b.Bytes()
}

// Log is the mail sender of a directory without SMTP: it writes a "would send" line per
// email, with its recipient, subject and link, so that the links can be followed from the
// log while developing. The links are one-time secrets: configure SMTP in production.
type Log struct {
	Logger *slog.Logger
}

var _ server.Mailer = Log{}

// SendPasswordReset logs the reset email it would send.
func (l Log) SendPasswordReset(_ context.Context, to, link string, expiresAt time.Time) error {
	l.Logger.Info("would send", "to", to, "subject", resetMessage(to, link, expiresAt).subject, "link", link)
	return nil
}

// Delivers answers false: the emails reach the log only (server.Delivers).
func (Log) Delivers() bool { return false }

// SendInvitations logs each invitation email it would send.
func (l Log) SendInvitations(_ context.Context, mails []server.InvitationMail) []error {
	for _, m := range mails {
		l.Logger.Info("would send", "to", m.To, "subject", invitationMessage(m).subject, "link", m.Link)
	}
	return make([]error, len(mails))
}
