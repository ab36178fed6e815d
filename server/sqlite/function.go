package sqlite

import (
	"database/sql/driver"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"modernc.org/sqlite"
)

// Functions are registered for the whole process, before any connection is opened.
//
// contains_fold(text, part) reports whether part occurs in text, ignoring case, for any
// script. SQLite's own LIKE and lower() fold only ASCII letters, so searching for "é"
// would miss "É".
//
// short_grams(email, firstname, lastname[, username]) returns, as a JSON array, the
// distinct texts of one and two characters that occur in them, folded as contains_fold folds them (see
// shortGrams). The triggers of user_grams read it with json_each, so the schema needs
// this function: a program that writes users must be this one.
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("contains_fold", 2, func(ctx *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		text, _ := args[0].(string)
		part, _ := args[1].(string)
		return containsFold(text, part), nil
	})
	if err != nil {
		panic(err)
	}
	// Any number of texts: the triggers of migration 001 pass three, those of 011 four.
	err = sqlite.RegisterDeterministicScalarFunction("short_grams", -1, func(ctx *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		texts := make([]string, len(args))
		for i := range texts {
			texts[i], _ = args[i].(string)
		}
		b, err := json.Marshal(shortGrams(texts...))
		return string(b), err
	})
	if err != nil {
		panic(err)
	}
}

func containsFold(text, part string) bool {
	return strings.Contains(strings.ToLower(text), strings.ToLower(part))
}

// foldText folds text as searches compare it. strings.ToLower maps each character to one
// character, so a text of one or two characters stays one of one or two.
func foldText(text string) string {
	return strings.ToLower(text)
}

// shortGrams returns the distinct texts of one and two characters of the folded texts,
// each text on its own (a pair never spans two of them), in no particular order. A
// search of one or two characters matches a user exactly when it is one of them.
func shortGrams(texts ...string) []string {
	set := gramSet{}
	set.add(texts...)
	grams := make([]string, 0, len(set))
	for g := range set {
		grams = append(grams, g)
	}
	return grams
}

// gramSet is a set of grams that can be cleared and used again, which spares the
// allocations of a new map per user when counting a million of them.
type gramSet map[string]struct{}

// add adds the grams of texts to s (see shortGrams).
func (s gramSet) add(texts ...string) {
	for _, text := range texts {
		folded := foldText(text)
		prev := -1 // where the previous character starts
		for i, r := range folded {
			end := i + utf8.RuneLen(r) // foldText writes invalid bytes as U+FFFD, 3 bytes long
			s[folded[i:end]] = struct{}{}
			if prev >= 0 {
				s[folded[prev:end]] = struct{}{}
			}
			prev = i
		}
	}
}
