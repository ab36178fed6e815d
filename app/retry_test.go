package app

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Run("Schedule", func(t *testing.T) {
		want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
			8 * time.Second, 10 * time.Second, 10 * time.Second}
		for i, w := range want {
			if got := backoff(i+1, 0.5); got != w {
				t.Errorf("attempt %d: got %v, want %v", i+1, got, w)
			}
		}
		if got := backoff(1000, 0.5); got != retryMax {
			t.Errorf("attempt 1000: got %v, want %v", got, retryMax)
		}
	})

	t.Run("Jitter", func(t *testing.T) {
		if got, want := backoff(3, 0), 1600*time.Millisecond; got != want {
			t.Errorf("r=0: got %v, want %v", got, want)
		}
		if got, max := backoff(3, 0.999999), 2400*time.Millisecond; got >= max || got < 2390*time.Millisecond {
			t.Errorf("r→1: got %v, want just under %v", got, max)
		}
		if got := backoff(9, 0.999999); got > 12*time.Second {
			t.Errorf("capped wait with jitter: got %v, want at most 12s", got)
		}
	})
}

func TestRetryable(t *testing.T) {
	for code, want := range map[string]bool{
		codeUnreachable: true, codeTimeout: true, codeUnavailable: true, codeRateLimited: true, codeInternal: true,
		codeNotFound: false, codeForbidden: false, codeBadInput: false, codeUnauthenticated: false,
		codeConflict: false, codeNotGraphQL: false,
	} {
		if got := retryable(&failure{Code: code}); got != want {
			t.Errorf("%s: got %v, want %v", code, got, want)
		}
	}
	if retryable(nil) {
		t.Error("nil is retryable")
	}
}

func TestRetryMessage(t *testing.T) {
	for _, tt := range []struct {
		f    failure
		left time.Duration
		want string
	}{
		{failure{Code: codeUnreachable}, 3200 * time.Millisecond, "The directory is not answering; retrying in 4 s…"},
		{failure{Code: codeUnreachable}, 200 * time.Millisecond, "The directory is not answering; retrying in 1 s…"},
		{failure{Code: codeUnreachable}, 0, "The directory is not answering; retrying now…"},
		{failure{Code: codeTimeout}, 10 * time.Second, "The directory did not answer in time; retrying in 10 s…"},
		{failure{Code: codeUnavailable, Status: "502 Bad Gateway"}, time.Second,
			"The directory answered with an error (502 Bad Gateway); retrying in 1 s…"},
		{failure{Code: codeRateLimited}, 2 * time.Second, "The directory is busy with too many requests; retrying in 2 s…"},
	} {
		if got := retryMessage(&tt.f, tt.left); got != tt.want {
			t.Errorf("%s, %v: got %q, want %q", tt.f.Code, tt.left, got, tt.want)
		}
	}
}

func TestWriteFailure(t *testing.T) {
	t.Run("Timeout", func(t *testing.T) {
		f := writeFailure(&failure{Code: codeTimeout, Message: "The endpoint did not answer in time."}, unsureSave)
		want := "The directory did not answer in time; your change may not have been saved: check the user before saving again."
		if f.Message != want || f.Code != codeTimeout {
			t.Fatalf("got %+v, want message %q", f, want)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		f := writeFailure(&failure{Code: codeUnreachable}, unsureCreate)
		want := "The directory is not answering; the user may have been created: check the list before creating them again."
		if f.Message != want {
			t.Fatalf("got %q, want %q", f.Message, want)
		}
	})

	t.Run("HTTPError", func(t *testing.T) {
		f := writeFailure(&failure{Code: codeUnavailable, Status: "500 Internal Server Error"}, unsureSave)
		if !strings.HasPrefix(f.Message, "The directory answered with an error (500 Internal Server Error); your change may not") {
			t.Fatalf("got %q", f.Message)
		}
	})

	t.Run("AnswerKeepsItsSentence", func(t *testing.T) {
		in := &failure{Code: codeBadInput, Field: "email", Message: "Email is already taken."}
		if f := writeFailure(in, unsureSave); f.Message != in.Message || f.Field != "email" {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("InternalSaysNotSaved", func(t *testing.T) {
		f := writeFailure(&failure{Code: codeInternal, Message: "Internal error."}, unsureSave)
		if !strings.HasPrefix(f.Message, "The directory had an internal error and did not save this.") {
			t.Fatalf("got %q", f.Message)
		}
	})

	t.Run("Nil", func(t *testing.T) {
		if f := writeFailure(nil, unsureSave); f != nil {
			t.Fatalf("got %+v", f)
		}
	})
}

// timeoutError is what net/http returns when a request outlives the client's timeout.
type timeoutError struct{}

func (timeoutError) Error() string { return "Client.Timeout exceeded while awaiting headers" }
func (timeoutError) Timeout() bool { return true }

func TestToFailure_Transport(t *testing.T) {
	t.Run("Timeout", func(t *testing.T) {
		if f := toFailure(timeoutError{}); f.Code != codeTimeout {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("ServerError", func(t *testing.T) {
		f := toFailure(errors.New(`non-200 OK status code: 502 Bad Gateway body: ""`))
		if f.Code != codeUnavailable || f.Status != "502 Bad Gateway" {
			t.Fatalf("got %+v", f)
		}
	})
}
