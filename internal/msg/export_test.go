package msg

// The verb checks serve the catalogue test only.

import (
	"fmt"
	"sort"
)

// verb is one printf verb of a format: the argument it prints (from 1) and
// its letter.
type verb struct {
	Arg    int
	Letter rune
}

// verbs lists the verbs of a printf format in argument order, resolving
// explicit indexes (%[2]s) as fmt does. It refuses what fmt would print as
// an error: a lone %, a missing verb, an index out of order with nothing
// after it.
func verbs(format string) ([]verb, error) {
	var out []verb
	next := 1
	rs := []rune(format)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '%' {
			continue
		}
		i++
		if i < len(rs) && rs[i] == '%' {
			continue
		}
		for i < len(rs) && (rs[i] == '+' || rs[i] == '-' || rs[i] == '#' || rs[i] == ' ' || rs[i] == '0') {
			i++
		}
		arg := 0
		if i < len(rs) && rs[i] == '[' {
			j := i + 1
			n := 0
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				n = n*10 + int(rs[j]-'0')
				j++
			}
			if j >= len(rs) || rs[j] != ']' || n < 1 {
				return nil, fmt.Errorf("bad argument index at %d", i)
			}
			arg, i = n, j+1
		}
		for i < len(rs) && (rs[i] >= '0' && rs[i] <= '9' || rs[i] == '.') {
			i++
		}
		if i >= len(rs) {
			return nil, fmt.Errorf("the format ends inside a verb")
		}
		if !(rs[i] >= 'a' && rs[i] <= 'z' || rs[i] >= 'A' && rs[i] <= 'Z') {
			return nil, fmt.Errorf("%q is not a verb", rs[i])
		}
		if arg == 0 {
			arg = next
		}
		next = arg + 1
		out = append(out, verb{Arg: arg, Letter: rs[i]})
	}
	return out, nil
}

// sameVerbs reports whether two formats print the same arguments with the
// same verbs, in any order.
func sameVerbs(a, b []verb) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(vs []verb) []verb {
		c := append([]verb(nil), vs...)
		sort.Slice(c, func(i, j int) bool {
			if c[i].Arg != c[j].Arg {
				return c[i].Arg < c[j].Arg
			}
			return c[i].Letter < c[j].Letter
		})
		return c
	}
	ka, kb := key(a), key(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// argCount is the number of arguments a format prints: the highest index.
func argCount(vs []verb) int {
	n := 0
	for _, v := range vs {
		n = max(n, v.Arg)
	}
	return n
}

// Exported for msg_test.
var (
	Verbs     = verbs
	SameVerbs = sameVerbs
	ArgCount  = argCount
)

// Verb is exported for msg_test.
type Verb = verb
