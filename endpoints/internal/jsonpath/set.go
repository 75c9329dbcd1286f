package jsonpath

import (
	"github.com/llmtest/llmtest/internal/jsonscan"
)

// A Set is a list of paths read together: [Set.Read] walks a document once,
// checking all of it, and finds the value of every alternative of every
// path, which is cheaper than a lookup per path when a decoder reads
// several values from each chunk. Path i of the list is read with the
// [Values] methods given i. A Set is immutable and safe for concurrent
// use; each reader needs Values of its own.
type Set struct {
	paths []*Path
	refs  [][]int // the value slots of each path's alternatives, in order
	slots int     // the number of value slots
	nodes int     // the number of trie nodes below the root
	root  node
}

// node is a step of the paths of a Set: the steps that follow it, and the
// value slots of the alternatives that end at it.
type node struct {
	id       int // this node's seen flag, for the first of duplicate keys
	keys     []keyChild
	indexes  []indexChild
	maxIndex int
	ends     []int
}

type keyChild struct {
	key string
	n   *node
}

type indexChild struct {
	index int
	n     *node
}

// NewSet returns the Set of paths. A nil path is allowed: it is never found.
func NewSet(paths ...*Path) *Set {
	st := &Set{paths: paths, refs: make([][]int, len(paths))}
	for i, p := range paths {
		if p == nil {
			continue
		}
		for _, a := range p.alts {
			n := &st.root
			for _, seg := range a.segs {
				n = st.child(n, seg)
			}
			n.ends = append(n.ends, st.slots)
			st.refs[i] = append(st.refs[i], st.slots)
			st.slots++
		}
	}
	return st
}

// child returns the node that follows n by seg, adding it if needed.
func (st *Set) child(n *node, seg segment) *node {
	if seg.index >= 0 {
		for _, c := range n.indexes {
			if c.index == seg.index {
				return c.n
			}
		}
		c := &node{id: st.nodes}
		st.nodes++
		n.indexes = append(n.indexes, indexChild{seg.index, c})
		n.maxIndex = max(n.maxIndex, seg.index)
		return c
	}
	for _, c := range n.keys {
		if c.key == seg.key {
			return c.n
		}
	}
	c := &node{id: st.nodes}
	st.nodes++
	n.keys = append(n.keys, keyChild{seg.key, c})
	return c
}

// Values holds what a Set read in one document: the value each
// alternative of each path leads to, or none. Its values point into the
// document, and are valid until the next Read or until the document
// changes.
type Values struct {
	set  *Set
	vals []Value
	seen []bool
	s    jsonscan.Scanner
}

// NewValues returns Values for reading with st, to be reused from one
// document to the next.
func (st *Set) NewValues() *Values {
	return &Values{set: st, vals: make([]Value, st.slots), seen: make([]bool, st.nodes)}
}

// Read reads data, a JSON document, into v, which must come from st's
// NewValues: every path is looked for as Path.Lookup would look for it
// (when an object has a key twice, the first is used). Data that is not
// JSON, wherever the fault, is an error wrapping ErrSyntax, and v then
// holds nothing. Read allocates nothing.
func (st *Set) Read(data []byte, v *Values) error {
	clear(v.vals)
	clear(v.seen)
	s := &v.s
	s.Reset(data)
	v.read(&st.root, data)
	s.End()
	if err := s.Err(); err != nil {
		clear(v.vals)
		return err
	}
	return nil
}

// read reads the value at the scanner's position, at trie node n.
func (v *Values) read(n *node, data []byte) {
	s := &v.s
	k := s.Peek()
	start := s.Offset()
	switch {
	case k == jsonscan.Object && len(n.keys) > 0:
		s.BeginObject()
		left := len(n.keys)
		for s.NextKey() {
			c := n.key(s.Key())
			if c == nil || v.seen[c.id] {
				s.Skip()
				continue
			}
			v.seen[c.id] = true
			v.read(c, data)
			if left--; left == 0 {
				s.EndObject() // every key found: skip the rest
				break
			}
		}
	case k == jsonscan.Array && len(n.indexes) > 0:
		s.BeginArray()
		for i := 0; s.NextElement(); i++ {
			if c := n.index(i); c != nil {
				v.read(c, data)
			} else {
				s.Skip()
			}
			if i == n.maxIndex {
				s.EndArray() // every index passed: skip the rest
				break
			}
		}
	default:
		s.Skip()
	}
	if len(n.ends) > 0 && s.Err() == nil {
		val := Value{kind: k, raw: data[start:s.Offset()]}
		for _, slot := range n.ends {
			v.vals[slot] = val
		}
	}
}

func (n *node) key(k []byte) *node {
	for i := range n.keys {
		if n.keys[i].key == string(k) {
			return n.keys[i].n
		}
	}
	return nil
}

func (n *node) index(i int) *node {
	for _, c := range n.indexes {
		if c.index == i {
			return c.n
		}
	}
	return nil
}

// Lookup returns the value path i leads to, as Path.Lookup does: the first
// alternative found, null included.
func (v *Values) Lookup(i int) (Value, bool) {
	for _, slot := range v.set.refs[i] {
		if val := v.vals[slot]; val.kind != Missing {
			return val, true
		}
	}
	return Value{}, false
}

// Text returns the string path i leads to, as Path.Text does.
func (v *Values) Text(i int, buf []byte) (text []byte, found bool, err error) {
	found, err = v.first(i, func(val Value) error {
		var err error
		text, err = val.Text(buf)
		return err
	})
	return text, found, err
}

// Int returns the whole number path i leads to, as Path.Int does.
func (v *Values) Int(i int) (n int, found bool, err error) {
	found, err = v.first(i, func(val Value) error {
		var err error
		n, err = val.Int()
		return err
	})
	return n, found, err
}

// Count returns the count path i leads to, as Path.Count does.
func (v *Values) Count(i int) (n int, found bool, err error) {
	found, err = v.first(i, func(val Value) (err error) {
		n, err = val.count()
		return err
	})
	return n, found, err
}

// Present reports whether path i, or one of its alternatives, leads to a
// value other than null, as Path.Present does.
func (v *Values) Present(i int) bool {
	for _, slot := range v.set.refs[i] {
		if k := v.vals[slot].kind; k != Missing && k != Null {
			return true
		}
	}
	return false
}

// first is Path.first over the values read.
func (v *Values) first(i int, use func(Value) error) (bool, error) {
	var typeErr error
	for _, slot := range v.set.refs[i] {
		val := v.vals[slot]
		if val.kind == Missing || val.kind == Null {
			continue
		}
		if err := use(val); err != nil {
			if typeErr == nil {
				typeErr = v.set.paths[i].valueError(err)
			}
			continue
		}
		return true, nil
	}
	return false, typeErr
}
