package msg_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"chuangdai/internal/msg"
)

// roots are the functions that make a message, by the index of the format
// argument. A function that passes one of its parameters on as the format of
// a message function is a message function too (apperr.Newf, Fields.Add, a
// package's own helper), found by the walk.
var roots = map[string]int{
	"chuangdai/internal/msg.New": 0,
	"chuangdai/internal/msg.Err": 0,
}

// use is one call site of a message function.
type use struct {
	pos    token.Position
	format string
	args   int // the arguments passed; -1 when they are spread with ...
}

// listed is a package of the module as go list describes it.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Module     *struct{ Path string }
}

// messageUses type-checks every package of the module and returns each call
// of a message function, failing the test for a format that is not a
// constant string.
func messageUses(t *testing.T) []use {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	exports := map[string]string{}
	var mine []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == "chuangdai" {
			mine = append(mine, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	type checked struct {
		files []*ast.File
		info  *types.Info
	}
	var pkgs []checked
	for _, p := range mine {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp.(types.ImporterFrom)}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", p.ImportPath, err)
		}
		pkgs = append(pkgs, checked{files, info})
	}
	funcs := maps.Clone(roots)
	// fixed are the wrappers that take a format but not its arguments
	// (fourEyes(message), pathID(c, notFound)), by the number of arguments
	// they pass with it themselves.
	fixed := map[string]int{}
	// passed is the number of arguments a call of fn passes with its format
	// at idx, or -1 when they are spread with ... .
	passed := func(fn *types.Func, call *ast.CallExpr, idx int) int {
		switch {
		case !printfLike(fn, idx):
			return fixed[fn.FullName()]
		case call.Ellipsis.IsValid():
			return -1
		}
		return len(call.Args) - idx - 1
	}
	// walk visits every call of a message function; it registers wrappers
	// and reports whether it found a new one.
	walk := func(record bool) (uses []use, grew bool) {
		for _, pk := range pkgs {
			for _, f := range pk.files {
				for _, d := range f.Decls {
					// Package-level values (var ErrFormat = msg.Err(…)) have
					// no parameters; a function's may be formats it passes on.
					var self *types.Func
					params := map[types.Object]int{}
					if decl, ok := d.(*ast.FuncDecl); ok {
						self, _ = pk.info.Defs[decl.Name].(*types.Func)
						i := 0
						for _, field := range decl.Type.Params.List {
							for _, name := range field.Names {
								params[pk.info.Defs[name]] = i
								i++
							}
						}
					}
					ast.Inspect(d, func(n ast.Node) bool {
						call, ok := n.(*ast.CallExpr)
						if !ok {
							return true
						}
						fn := callee(pk.info, call)
						if fn == nil {
							return true
						}
						idx, ok := funcs[fn.FullName()]
						if !ok || idx >= len(call.Args) {
							return true
						}
						arg := call.Args[idx]
						pos := fset.Position(arg.Pos())
						if tv := pk.info.Types[arg]; tv.Value != nil && tv.Value.Kind() == constant.String {
							uses = append(uses, use{pos: pos, format: constant.StringVal(tv.Value), args: passed(fn, call, idx)})
							return true
						}
						if id, ok := arg.(*ast.Ident); ok && self != nil {
							if pi, ok := params[pk.info.Uses[id]]; ok {
								if _, known := funcs[self.FullName()]; !known {
									funcs[self.FullName()] = pi
									if !printfLike(self, pi) {
										fixed[self.FullName()] = passed(fn, call, idx)
									}
									grew = true
								}
								return true
							}
						}
						if record {
							t.Errorf("%s: the message of %s is not a string literal: write the English text at the call site and pass values as arguments", pos, fn.Name())
						}
						return true
					})
				}
			}
		}
		return uses, grew
	}
	for {
		if _, grew := walk(false); !grew {
			break
		}
	}
	uses, _ := walk(true)
	return uses
}

// printfLike reports whether fn takes the arguments of its format at idx
// as its variadic last parameter.
func printfLike(fn *types.Func, idx int) bool {
	sig := fn.Type().(*types.Signature)
	return sig.Variadic() && idx == sig.Params().Len()-2
}

func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := call.Fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr: // a generic function instantiated: pathID[loan.ID](…)
		switch x := f.X.(type) {
		case *ast.Ident:
			id = x
		case *ast.SelectorExpr:
			id = x.Sel
		}
	}
	if id == nil {
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	if fn != nil {
		fn = fn.Origin()
	}
	return fn
}

// TestCatalogueCoversEveryMessage walks the source: every message is a
// literal with a Chinese translation that prints the same arguments with the
// same verbs, every call passes as many arguments as its format prints, and
// the catalogue holds no message that no code uses.
func TestCatalogueCoversEveryMessage(t *testing.T) {
	uses := messageUses(t)
	if len(uses) < 100 {
		t.Fatalf("found only %d message calls: the walk is broken", len(uses))
	}
	zh := msg.Chinese().Messages()
	used := map[string]bool{}
	for _, u := range uses {
		used[u.format] = true
		en, err := msg.Verbs(u.format)
		if err != nil {
			t.Errorf("%s: %q: %v", u.pos, u.format, err)
			continue
		}
		if u.args >= 0 && u.args != msg.ArgCount(en) {
			t.Errorf("%s: %q prints %d arguments but the call passes %d", u.pos, u.format, msg.ArgCount(en), u.args)
		}
		z, ok := zh[u.format]
		if !ok {
			t.Errorf("%s: no Chinese translation in zh_CN.po for\nmsgid %q", u.pos, u.format)
			continue
		}
		zv, err := msg.Verbs(z)
		if err != nil {
			t.Errorf("zh_CN.po: the translation of %q: %v", u.format, err)
		} else if !msg.SameVerbs(en, zv) {
			t.Errorf("zh_CN.po: the translation %q does not print the arguments of %q with the same verbs", z, u.format)
		}
	}
	var stale []string
	for id, z := range zh {
		if !used[id] {
			stale = append(stale, fmt.Sprintf("%q", id))
		}
		if z == id {
			t.Errorf("zh_CN.po: %q is not translated", id)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("zh_CN.po has messages no code uses (remove them):\n%s", strings.Join(stale, "\n"))
	}
}
