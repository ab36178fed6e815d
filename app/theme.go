package app

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// themeVars are the custom properties of web/styles.css that a portal may set, with the
// kind of value each takes. Anything else a portal sends is ignored: a theme changes
// values, never rules.
var themeVars = map[string]themeValue{
	"--ua-font":           fontValue,
	"--ua-font-size":      lengthValue,
	"--ua-line-height":    numberValue,
	"--ua-radius":         lengthValue,
	"--ua-space":          lengthValue,
	"--ua-row-height":     lengthValue,
	"--ua-control-height": lengthValue,
	"--ua-max-width":      lengthValue,
	"--ua-bg":             colorValue,
	"--ua-surface":        colorValue,
	"--ua-text":           colorValue,
	"--ua-muted":          colorValue,
	"--ua-border":         colorValue,
	"--ua-row-hover":      colorValue,
	"--ua-accent":         colorValue,
	"--ua-accent-hover":   colorValue,
	"--ua-accent-text":    colorValue,
	"--ua-focus":          colorValue,
	"--ua-danger":         colorValue,
	"--ua-danger-bg":      colorValue,
	"--ua-success":        colorValue,
	"--ua-success-bg":     colorValue,
	"--ua-warning":        colorValue,
	"--ua-warning-bg":     colorValue,
	"--ua-info-bg":        colorValue,
}

// themeValue is a kind of value a theme variable takes.
type themeValue int

const (
	colorValue  themeValue = iota // #rgb, #rrggbb(aa), a colour function over numbers and units, or a colour's name
	lengthValue                   // a length in the units a layout needs
	numberValue                   // a plain number, such as a line height
	fontValue                     // a list of font families, names quoted or not
)

// themeChecks returns the check of each kind of value. None of them admits a quote-less
// parenthesis, semicolon, brace, backslash or url(), so a value cannot end itself and start
// more CSS. The regexps are compiled for each theme a portal sends rather than once for
// the package: compiled at start, they made every load of the widget wait for them, theme
// or not.
func themeChecks() [4]func(string) bool {
	return [...]func(string) bool{
		colorValue:  regexp.MustCompile(`^(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\([0-9a-z.,%/ +-]{1,60}\)|[a-zA-Z]{3,24})$`).MatchString,
		lengthValue: regexp.MustCompile(`^(0|[0-9]{1,4}(\.[0-9]{1,3})?(px|rem|em|%|ch|vw|vh))$`).MatchString,
		numberValue: regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]{1,3})?$`).MatchString,
		fontValue:   isFontList,
	}
}

// maxFontList is the longest list of font families a theme may set, in characters.
const maxFontList = 200

// isFontList reports whether v is a list of font families, names quoted or not: 1 to
// maxFontList letters, digits, spaces and ,._"'- (what ^[\p{L}\p{N} ,._"'-]{1,200}$ says).
// It is a loop rather than that regexp because the regexp compiles its counted repetition
// into 200 copies of a class as large as \p{L}: 8 ms and 7.7 MB at every start of the
// widget natively, over 100 ms of a cold start in the browser, and a garbage collection.
func isFontList(v string) bool {
	n := 0
	for _, r := range v {
		n++
		if n > maxFontList || !(unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune(` ,._"'-`, r)) {
			return false
		}
	}
	return n > 0
}

// sanitizeTheme keeps the variables of theme that are known and whose value has the
// expected form, reads its colour scheme, and names the others. An empty value means
// "the widget's default".
func sanitizeTheme(theme map[string]string) (kept map[string]string, scheme string, refused []string) {
	kept = map[string]string{}
	if len(theme) == 0 {
		return kept, "", nil // an init without a theme, the most common: no checks to compile
	}
	valid := themeChecks()
	for name, value := range theme {
		if name == colorSchemeKey {
			var ok bool
			if scheme, ok = colorScheme(value); !ok {
				refused = append(refused, name+` (not "dark", "light" or "auto")`)
			}
			continue
		}
		value = strings.TrimSpace(value)
		kind, known := themeVars[name]
		switch {
		case !known:
			refused = append(refused, name+" (not a theme variable)")
		case value == "":
			kept[name] = ""
		case !valid[kind](value) || !balancedQuotes(value):
			refused = append(refused, name+" (not a valid value)")
		default:
			kept[name] = value
		}
	}
	sort.Strings(refused)
	return kept, scheme, refused
}

// balancedQuotes reports whether every quote in a font list is closed.
func balancedQuotes(v string) bool {
	return strings.Count(v, `"`)%2 == 0 && strings.Count(v, `'`)%2 == 0
}

// colorSchemeKey is the theme's one entry that is not a custom property: "dark", "light",
// or "auto" (the default) to follow the person's system (prefers-color-scheme).
const colorSchemeKey = "colorScheme"

// colorScheme reads the theme's colour scheme; anything but dark or light is auto ("").
func colorScheme(value string) (scheme string, ok bool) {
	switch v := strings.ToLower(strings.TrimSpace(value)); v {
	case "dark", "light":
		return v, true
	case "", "auto":
		return "", true
	}
	return "", false
}

// applyTheme sets the theme on the page's root element, after clearing a theme set
// before, so that each init from the portal replaces the theme rather than adds to it.
// Setting properties through the CSSOM is not an inline style the CSP would refuse. The
// colour scheme goes to data-color-scheme, which web/styles.css reads.
func applyTheme(theme map[string]string, scheme string) {
	if app.IsServer {
		return
	}
	root := app.Window().Get("document").Get("documentElement")
	if scheme == "" {
		root.Call("removeAttribute", "data-color-scheme")
	} else {
		root.Call("setAttribute", "data-color-scheme", scheme)
	}
	style := root.Get("style")
	for name := range themeVars {
		style.Call("removeProperty", name)
	}
	for name, value := range theme {
		if value != "" {
			style.Call("setProperty", name, value)
		}
	}
}
