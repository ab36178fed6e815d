package app

import (
	"regexp"
	"sort"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// themeVars are the custom properties of web/styles.css that a portal may set, with the
// kind of value each takes. Anything else a portal sends is ignored: a theme changes
// values, never rules.
var themeVars = map[string]*regexp.Regexp{
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

// The values a theme variable may take. None of them admits a quote-less parenthesis,
// semicolon, brace, backslash or url(), so a value cannot end itself and start more CSS.
var (
	// #rgb, #rrggbb(aa), a colour function over numbers and units, or a colour's name.
	colorValue = regexp.MustCompile(`^(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\([0-9a-z.,%/ +-]{1,60}\)|[a-zA-Z]{3,24})$`)
	// A length in the units a layout needs.
	lengthValue = regexp.MustCompile(`^(0|[0-9]{1,4}(\.[0-9]{1,3})?(px|rem|em|%|ch|vw|vh))$`)
	// A plain number, such as a line height.
	numberValue = regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]{1,3})?$`)
	// A list of font families, names quoted or not.
	fontValue = regexp.MustCompile(`^[\p{L}\p{N} ,._"'-]{1,200}$`)
)

// sanitizeTheme keeps the variables of theme that are known and whose value has the
// expected form, reads its colour scheme, and names the others. An empty value means
// "the widget's default".
func sanitizeTheme(theme map[string]string) (kept map[string]string, scheme string, refused []string) {
	kept = map[string]string{}
	for name, value := range theme {
		if name == colorSchemeKey {
			var ok bool
			if scheme, ok = colorScheme(value); !ok {
				refused = append(refused, name+` (not "dark", "light" or "auto")`)
			}
			continue
		}
		value = strings.TrimSpace(value)
		re, known := themeVars[name]
		switch {
		case !known:
			refused = append(refused, name+" (not a theme variable)")
		case value == "":
			kept[name] = ""
		case !re.MatchString(value) || !balancedQuotes(value):
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
