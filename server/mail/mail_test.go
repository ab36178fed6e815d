package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/mail"
	"useradmin/server/mail/smtptest"
)

func startSMTP(t *testing.T, opts smtptest.Options) *smtptest.Server {
	t.Helper()
	s, err := smtptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var expires = time.Date(2025, 3, 8, 9, 0, 0, 0, time.UTC)

func invitation(to string) server.InvitationMail {
	return server.InvitationMail{To: to, Link: "http://127.0.0.1:8000/accept-invitation?token=ua_abc", ExpiresAt: expires,
		Organization: "Acme", InvitedBy: "Ann Admin"}
}

// body returns the decoded subject and text of the message.
func body(t *testing.T, m smtptest.Message) (subject, text string) {
	t.Helper()
	p, err := m.Parsed()
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" || !strings.Contains(p.Header.Get("Content-Type"), "charset=utf-8") {
		t.Fatalf("headers: %v", p.Header)
	}
	raw, err := io.ReadAll(p.Body)
	if err != nil {
		t.Fatal(err)
	}
	return subject, decodeQP(t, raw)
}

func TestSMTP_SendInvitations(t *testing.T) {
	t.Run("PlainAndAuthOnLocalhost", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{Username: "mailer", Password: "s3cret"})
		s := &mail.SMTP{Addr: srv.Addr, From: "Users <users@acme.example>", Username: "mailer", Password: "s3cret"}
		errs := s.SendInvitations(context.Background(), []server.InvitationMail{invitation("zoe@acme.example"), invitation("yan@acme.example")})
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		msgs := srv.Messages()
		if len(msgs) != 2 || msgs[0].To[0] != "zoe@acme.example" || msgs[0].From != "users@acme.example" || msgs[0].User != "mailer" || msgs[0].TLS {
			t.Fatalf("messages: %+v", msgs)
		}
		subject, text := body(t, msgs[0])
		if subject != "Ann Admin invited you to Acme" {
			t.Errorf("subject %q", subject)
		}
		if !strings.Contains(text, "\n\nhttp://127.0.0.1:8000/accept-invitation?token=ua_abc\n\n") || !strings.Contains(text, "until 8 Mar 2025 09:00 UTC") {
			t.Errorf("text %q", text)
		}
	})

	t.Run("STARTTLSWhenOffered", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{TLS: true, Username: "mailer", Password: "s3cret"})
		s := &mail.SMTP{Addr: srv.Addr, From: "users@acme.example", Username: "mailer", Password: "s3cret",
			TLSConfig: &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"}}
		if err := s.SendPasswordReset(context.Background(), "zoe@acme.example", "http://x/reset-password?token=ua_r", expires); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "mailer" {
			t.Fatalf("messages: %+v", msgs)
		}
		if subject, _ := body(t, msgs[0]); subject != "Choose a new password" {
			t.Errorf("subject %q", subject)
		}
	})

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{TLS: true})
		s := &mail.SMTP{Addr: srv.Addr, From: "users@acme.example"}
		err := s.SendPasswordReset(context.Background(), "zoe@acme.example", "http://x", expires)
		if err == nil || !strings.Contains(err.Error(), "starttls") || len(srv.Messages()) != 0 {
			t.Fatalf("err %v, %d messages", err, len(srv.Messages()))
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{Username: "mailer", Password: "s3cret"})
		s := &mail.SMTP{Addr: srv.Addr, From: "users@acme.example", Username: "mailer", Password: "wrong"}
		errs := s.SendInvitations(context.Background(), []server.InvitationMail{invitation("a@acme.example"), invitation("b@acme.example")})
		if errs[0] == nil || errs[1] == nil || len(srv.Messages()) != 0 {
			t.Fatalf("errs %v", errs)
		}
	})

	t.Run("OneRefusedOthersSent", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{RefuseRcpt: []string{"gone@acme.example"}})
		s := &mail.SMTP{Addr: srv.Addr, From: "users@acme.example"}
		errs := s.SendInvitations(context.Background(), []server.InvitationMail{invitation("a@acme.example"), invitation("gone@acme.example"), invitation("b@acme.example")})
		if errs[0] != nil || errs[1] == nil || errs[2] != nil || len(srv.Messages()) != 2 {
			t.Fatalf("errs %v, %d messages", errs, len(srv.Messages()))
		}
	})

	t.Run("ErrUnreachable", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{})
		addr := srv.Addr
		srv.Close()
		s := &mail.SMTP{Addr: addr, From: "users@acme.example", Timeout: 2 * time.Second}
		if errs := s.SendInvitations(context.Background(), []server.InvitationMail{invitation("a@acme.example")}); errs[0] == nil {
			t.Fatal("no error")
		}
	})

	t.Run("NoHeaderInjection", func(t *testing.T) {
		srv := startSMTP(t, smtptest.Options{})
		s := &mail.SMTP{Addr: srv.Addr, From: "users@acme.example"}
		m := invitation("a@acme.example")
		m.Organization = "Acme\r\nBcc: victim@example.org"
		if errs := s.SendInvitations(context.Background(), []server.InvitationMail{m}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		p, err := srv.Messages()[0].Parsed()
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("Bcc") != "" || len(srv.Messages()[0].To) != 1 {
			t.Fatalf("a name added a header: %v", p.Header)
		}
	})
}

func TestSMTP_Validate(t *testing.T) {
	for _, s := range []mail.SMTP{{Addr: "smtp.example.com", From: "a@example.com"}, {Addr: "smtp.example.com:587", From: "not an address"}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	if err := (&mail.SMTP{Addr: "smtp.example.com:587", From: "Users <users@example.com>"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestLog(t *testing.T) {
	var out bytes.Buffer
	l := mail.Log{Logger: slog.New(slog.NewTextHandler(&out, nil))}
	l.SendInvitations(context.Background(), []server.InvitationMail{invitation("zoe@acme.example")})
	l.SendPasswordReset(context.Background(), "zoe@acme.example", "http://x/reset-password?token=ua_r", expires)
	got := out.String()
	for _, want := range []string{`msg="would send" to=zoe@acme.example subject="Ann Admin invited you to Acme" link="http://127.0.0.1:8000/accept-invitation?token=ua_abc"`,
		`msg="would send" to=zoe@acme.example subject="Choose a new password" link="http://x/reset-password?token=ua_r"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
}

// decodeQP decodes quoted-printable text.
func decodeQP(t *testing.T, raw []byte) string {
	t.Helper()
	b, err := io.ReadAll(qpReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func qpReader(raw []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(raw)) }
