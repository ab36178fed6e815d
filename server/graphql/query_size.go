package graphql

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// querySize is how much an operation asks for: the distinct fields at its top level, and
// the fields in all, a fragment counted each time it is used. The library parses queries
// but keeps the result to itself, so the directory reads the query again, after the
// library has validated it: the reader below needs only to follow the structure of a valid
// document, never to judge one.
type querySize struct {
	rootFields int
	fields     int
}

// selection is one item of a selection set: a field (key is its response key), a fragment
// spread (spread names the fragment), or an inline fragment (only children).
type selection struct {
	key      string
	spread   string
	children []selection
}

// document is what measuring needs of a query: its operations and fragments.
type document struct {
	operations map[string][]selection // by name; "" for the anonymous one
	fragments  map[string][]selection
}

var errUnreadable = errors.New("the query cannot be read")

// measureQuery measures the operation named operationName of query ("" for the only one).
func measureQuery(query, operationName string) (querySize, error) {
	doc, err := parseDocument(query)
	if err != nil {
		return querySize{}, err
	}
	op, ok := doc.operations[operationName]
	if !ok {
		if operationName != "" || len(doc.operations) != 1 {
			return querySize{}, errUnreadable
		}
		for _, only := range doc.operations {
			op = only
		}
	}
	m := measurer{doc: doc, counts: map[string]int{}, visiting: map[string]bool{}}
	keys := map[string]bool{}
	m.rootKeys(op, keys)
	return querySize{rootFields: len(keys), fields: m.count(op)}, nil
}

// measurer counts fields, remembering the count of each fragment.
type measurer struct {
	doc      *document
	counts   map[string]int
	visiting map[string]bool // guards against a cycle, which validation already refused
}

// maxCount caps counts, so that fragments that each use the one before twice cannot
// overflow them; any limit is far below it.
const maxCount = 1 << 30

func (m *measurer) count(set []selection) int {
	n := 0
	for _, s := range set {
		switch {
		case s.key != "":
			n += 1 + m.count(s.children)
		case s.spread != "":
			n += m.fragment(s.spread)
		default:
			n += m.count(s.children)
		}
		n = min(n, maxCount)
	}
	return n
}

func (m *measurer) fragment(name string) int {
	if n, ok := m.counts[name]; ok {
		return n
	}
	if m.visiting[name] {
		return 0
	}
	m.visiting[name] = true
	n := m.count(m.doc.fragments[name])
	m.counts[name] = n
	return n
}

// rootKeys collects the response keys of set, looking into fragments: fields with the same
// key are merged into one and resolved once.
func (m *measurer) rootKeys(set []selection, keys map[string]bool) {
	for _, s := range set {
		switch {
		case s.key != "":
			keys[s.key] = true
		case s.spread != "":
			if !m.visiting[s.spread] {
				m.visiting[s.spread] = true
				m.rootKeys(m.doc.fragments[s.spread], keys)
				delete(m.visiting, s.spread)
			}
		default:
			m.rootKeys(s.children, keys)
		}
	}
}

// parseDocument reads the operations and fragments of a valid GraphQL document.
func parseDocument(query string) (*document, error) {
	p := &parser{lex: lexer{src: query}}
	p.next()
	doc := &document{operations: map[string][]selection{}, fragments: map[string][]selection{}}
	for p.tok.kind != tokEOF {
		if err := p.definition(doc); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// parser reads a document one token ahead.
type parser struct {
	lex lexer
	tok token
	err error
}

func (p *parser) next() {
	if p.err != nil {
		p.tok = token{kind: tokEOF}
		return
	}
	p.tok, p.err = p.lex.next()
}

// is reports whether the current token is the punctuator or name s.
func (p *parser) is(s string) bool {
	return (p.tok.kind == tokPunct || p.tok.kind == tokName) && p.tok.text == s
}

// expect moves past the punctuator or name s.
func (p *parser) expect(s string) error {
	if !p.is(s) {
		return p.fail()
	}
	p.next()
	return nil
}

// name moves past a name and returns it.
func (p *parser) name() (string, error) {
	if p.tok.kind != tokName {
		return "", p.fail()
	}
	s := p.tok.text
	p.next()
	return s, nil
}

func (p *parser) fail() error {
	if p.err != nil {
		return p.err
	}
	return errUnreadable
}

func (p *parser) definition(doc *document) error {
	if p.is("{") {
		set, err := p.selectionSet()
		doc.operations[""] = set
		return err
	}
	keyword, err := p.name()
	if err != nil {
		return err
	}
	switch keyword {
	case "query", "mutation", "subscription":
		name := ""
		if p.tok.kind == tokName {
			name, _ = p.name()
		}
		if p.is("(") {
			if err := p.skipBalanced(); err != nil {
				return err
			}
		}
		if err := p.directives(); err != nil {
			return err
		}
		set, err := p.selectionSet()
		doc.operations[name] = set
		return err
	case "fragment":
		name, err := p.name()
		if err != nil {
			return err
		}
		if err := p.expect("on"); err != nil {
			return err
		}
		if _, err := p.name(); err != nil {
			return err
		}
		if err := p.directives(); err != nil {
			return err
		}
		set, err := p.selectionSet()
		doc.fragments[name] = set
		return err
	}
	return p.fail()
}

func (p *parser) selectionSet() ([]selection, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var set []selection
	for !p.is("}") {
		s, err := p.selection()
		if err != nil {
			return nil, err
		}
		set = append(set, s)
	}
	p.next()
	return set, nil
}

func (p *parser) selection() (selection, error) {
	if p.is("...") {
		p.next()
		if p.tok.kind == tokName && p.tok.text != "on" {
			name, _ := p.name()
			return selection{spread: name}, p.directives()
		}
		if p.is("on") {
			p.next()
			if _, err := p.name(); err != nil {
				return selection{}, err
			}
		}
		if err := p.directives(); err != nil {
			return selection{}, err
		}
		children, err := p.selectionSet()
		return selection{children: children}, err
	}
	key, err := p.name()
	if err != nil {
		return selection{}, err
	}
	if p.is(":") {
		p.next()
		if _, err := p.name(); err != nil {
			return selection{}, err
		}
	}
	if p.is("(") {
		if err := p.skipBalanced(); err != nil {
			return selection{}, err
		}
	}
	if err := p.directives(); err != nil {
		return selection{}, err
	}
	s := selection{key: key}
	if p.is("{") {
		s.children, err = p.selectionSet()
	}
	return s, err
}

func (p *parser) directives() error {
	for p.is("@") {
		p.next()
		if _, err := p.name(); err != nil {
			return err
		}
		if p.is("(") {
			if err := p.skipBalanced(); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipBalanced moves past a parenthesized list (arguments, variable definitions) and the
// values in it, whose brackets and braces nest.
func (p *parser) skipBalanced() error {
	depth := 0
	for {
		switch {
		case p.tok.kind == tokEOF:
			return p.fail()
		case p.is("(") || p.is("[") || p.is("{"):
			depth++
		case p.is(")") || p.is("]") || p.is("}"):
			depth--
		}
		p.next()
		if depth == 0 {
			return nil
		}
	}
}

// Kinds of token; numbers, strings and the like are all "other", which measuring skips.
const (
	tokEOF = iota
	tokPunct
	tokName
	tokOther
)

type token struct {
	kind int
	text string
}

// lexer splits a GraphQL document into tokens, skipping white space, commas and comments.
type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	l.skipIgnored()
	if l.pos >= len(l.src) {
		return token{kind: tokEOF}, nil
	}
	start := l.pos
	r, n := utf8.DecodeRuneInString(l.src[l.pos:])
	switch {
	case strings.HasPrefix(l.src[l.pos:], "..."):
		l.pos += 3
		return token{tokPunct, "..."}, nil
	case strings.ContainsRune("!$():=@[]{}", r):
		l.pos++
		return token{tokPunct, l.src[start:l.pos]}, nil
	case isNameStart(r):
		// Names are read as the library reads them, Unicode letters included, since an
		// alias is never checked against the schema.
		for l.pos < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isNameStart(r) && !unicode.IsDigit(r) {
				break
			}
			l.pos += n
		}
		return token{tokName, l.src[start:l.pos]}, nil
	case strings.HasPrefix(l.src[l.pos:], `"""`):
		return l.blockString()
	case r == '"':
		return l.string()
	}
	// A number, or anything else that can only be part of a value: skipped.
	l.pos += n
	return token{kind: tokOther}, nil
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func (l *lexer) skipIgnored() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case strings.HasPrefix(l.src[l.pos:], "\uFEFF"):
			l.pos += len("\uFEFF")
		default:
			return
		}
	}
}

func (l *lexer) string() (token, error) {
	l.pos++
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '"':
			l.pos++
			return token{kind: tokOther}, nil
		case '\\':
			l.pos += 2
		default:
			_, n := utf8.DecodeRuneInString(l.src[l.pos:])
			l.pos += n
		}
	}
	return token{}, errUnreadable
}

func (l *lexer) blockString() (token, error) {
	l.pos += 3
	for l.pos < len(l.src) {
		switch {
		case strings.HasPrefix(l.src[l.pos:], `\"""`):
			l.pos += 4
		case strings.HasPrefix(l.src[l.pos:], `"""`):
			l.pos += 3
			return token{kind: tokOther}, nil
		default:
			l.pos++
		}
	}
	return token{}, errUnreadable
}
