package docs

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
)

// findDecl returns the source text of the top-level declaration in a Go
// file that selector names, doc comment included. The text is cut from src
// by position rather than printed from the syntax tree, so it keeps the
// file's own formatting and every comment inside the declaration.
func findDecl(filename string, src []byte, selector string) (string, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", err // already one line that names the file, line and column
	}
	var matches []ast.Decl
	for _, decl := range file.Decls {
		if declares(decl, selector) {
			matches = append(matches, decl)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no docs:region or top-level declaration named %q in %s", selector, filename)
	case 1:
	default:
		return "", fmt.Errorf("%q names %d declarations in %s: mark the one to show with docs:region", selector, len(matches), filename)
	}
	decl := matches[0]
	tokFile := fset.File(decl.Pos())
	start := tokFile.Offset(docOrStart(decl))
	end := endOfLine(src, tokFile.Offset(decl.End()))
	return string(src[start:end]), nil
}

// declares reports whether decl declares selector: "Name" for a function,
// type, constant or variable, "Type.Method" for a method. A grouped
// const, var or type declaration is matched as a whole by any name in it,
// since its members are usually meant to be read together.
func declares(decl ast.Decl, selector string) bool {
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		return funcSelector(decl) == selector
	case *ast.GenDecl:
		for _, spec := range decl.Specs {
			if specDeclares(spec, selector) {
				return true
			}
		}
	}
	return false
}

func specDeclares(spec ast.Spec, name string) bool {
	switch spec := spec.(type) {
	case *ast.TypeSpec:
		return spec.Name.Name == name
	case *ast.ValueSpec:
		for _, ident := range spec.Names {
			if ident.Name == name {
				return true
			}
		}
	}
	return false
}

// funcSelector returns how a selector names fn: "Name" for a function and
// "Type.Name" for a method, whatever the receiver's pointer-ness or type
// parameters.
func funcSelector(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	return receiverTypeName(fn.Recv.List[0].Type) + "." + fn.Name.Name
}

// receiverTypeName strips "*", "(...)" and type arguments from a receiver
// type such as *Box[T], leaving the type's name, Box.
func receiverTypeName(expr ast.Expr) string {
	for {
		switch e := expr.(type) {
		case *ast.Ident:
			return e.Name
		case *ast.StarExpr:
			expr = e.X
		case *ast.ParenExpr:
			expr = e.X
		case *ast.IndexExpr:
			expr = e.X
		case *ast.IndexListExpr:
			expr = e.X
		default:
			return ""
		}
	}
}

// docOrStart returns where decl's text begins: at its doc comment if it has
// one, since that comment is the first thing a reader should see.
func docOrStart(decl ast.Decl) token.Pos {
	var doc *ast.CommentGroup
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		doc = decl.Doc
	case *ast.GenDecl:
		doc = decl.Doc
	}
	if doc != nil {
		return doc.Pos()
	}
	return decl.Pos()
}

// endOfLine returns the offset of the newline that ends the line holding
// offset, or len(src). A declaration ends before a trailing comment on its
// last line, as in `var Limit = 10 // bytes`; extending to the line's end
// keeps that comment.
func endOfLine(src []byte, offset int) int {
	if i := bytes.IndexByte(src[offset:], '\n'); i >= 0 {
		return offset + i
	}
	return len(src)
}
