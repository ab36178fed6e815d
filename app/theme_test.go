package app

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestSanitizeTheme(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		in := map[string]string{
			"--ua-accent":         "#7c3aed",
			"--ua-surface":        "rgb(255 255 255 / 90%)",
			"--ua-text":           "black",
			"--ua-radius":         " 10px ",
			"--ua-space":          "0.5rem",
			"--ua-line-height":    "1.5",
			"--ua-font":           `"Inter Display", Inter, system-ui, sans-serif`,
			"--ua-control-height": "",
		}
		kept, _, refused := sanitizeTheme(in)
		want := map[string]string{
			"--ua-accent":         "#7c3aed",
			"--ua-surface":        "rgb(255 255 255 / 90%)",
			"--ua-text":           "black",
			"--ua-radius":         "10px",
			"--ua-space":          "0.5rem",
			"--ua-line-height":    "1.5",
			"--ua-font":           `"Inter Display", Inter, system-ui, sans-serif`,
			"--ua-control-height": "",
		}
		if !reflect.DeepEqual(kept, want) || len(refused) != 0 {
			t.Fatalf("kept %v, refused %v", kept, refused)
		}
	})
	t.Run("ErrUnknownOrUnsafe", func(t *testing.T) {
		in := map[string]string{
			"--ua-accent":     "red; } body { display: none",
			"--ua-bg":         "url(https://tracker.example/x.png)",
			"--ua-surface":    "var(--ua-text)",
			"--ua-radius":     "10px !important",
			"--ua-space":      "calc(100vw)",
			"--ua-font":       `"Inter, sans-serif`,
			"--ua-muted":      "<number: 4>", // a number from JavaScript reads so
			"--ua-text":       "#12345",
			"color":           "red",
			"--ua-shadow":     "none",
			"--ua-row-height": `1px\;`,
		}
		kept, _, refused := sanitizeTheme(in)
		if len(kept) != 0 {
			t.Errorf("kept %v", kept)
		}
		want := []string{
			"--ua-accent (not a valid value)", "--ua-bg (not a valid value)", "--ua-font (not a valid value)",
			"--ua-muted (not a valid value)", "--ua-radius (not a valid value)", "--ua-row-height (not a valid value)",
			"--ua-shadow (not a theme variable)", "--ua-space (not a valid value)", "--ua-surface (not a valid value)",
			"--ua-text (not a valid value)", "color (not a theme variable)",
		}
		if !reflect.DeepEqual(refused, want) {
			t.Errorf("refused:\n got %v\nwant %v", refused, want)
		}
	})
}

// TestIsFontList checks the loop against the regexp it stands for, on every character
// alone and on lists at and past the length limit.
func TestIsFontList(t *testing.T) {
	pattern := regexp.MustCompile(`^[\p{L}\p{N} ,._"'-]{1,200}$`)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if s := string(r); isFontList(s) != pattern.MatchString(s) {
			t.Fatalf("%U: isFontList %v, the pattern %v", r, isFontList(s), pattern.MatchString(s))
		}
	}
	for _, s := range []string{"", "a", strings.Repeat("é", 200), strings.Repeat("é", 201), strings.Repeat("a", 199) + ";",
		`"Inter Display", Inter, system-ui, sans-serif`, "Noto Sans 日本語", "a\xffb", "a\nb"} {
		if got, want := isFontList(s), pattern.MatchString(s); got != want {
			t.Errorf("isFontList(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
