package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// ExecutorOnly makes h answer every document with gqlgen's executor, as it did before
// pageSchema; call it before Init.
func ExecutorOnly(h *Handler) { h.executorOnly = true }

// AnswersPage reports whether pageSchema answers query itself rather than the executor.
func AnswersPage(query string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil || len(doc.Operations) != 1 {
		return false
	}
	_, ok := planPage(doc.Operations[0])
	return ok
}
