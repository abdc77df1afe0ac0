package generator

import "text/template/parse"

// walkTree calls visit for node and for every node below it, parents first,
// with atRoot saying whether dot is still what the execution started with
// (the answers): range and with rebind dot in their bodies, so there it is
// false; their else branches, and if's branches, keep it. Walking the
// nodes is the one part walkRefs, answerRefs and calledFuncs share.
func walkTree(node parse.Node, atRoot bool, visit func(n parse.Node, atRoot bool)) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		visit(n, atRoot)
		for _, c := range n.Nodes {
			walkTree(c, atRoot, visit)
		}
	case *parse.PipeNode:
		if n == nil {
			return
		}
		visit(n, atRoot)
		for _, c := range n.Cmds {
			walkTree(c, atRoot, visit)
		}
	case *parse.ActionNode:
		visit(n, atRoot)
		walkTree(n.Pipe, atRoot, visit)
	case *parse.IfNode:
		visit(n, atRoot)
		walkBranch(&n.BranchNode, atRoot, atRoot, visit)
	case *parse.RangeNode:
		visit(n, atRoot)
		walkBranch(&n.BranchNode, atRoot, false, visit)
	case *parse.WithNode:
		visit(n, atRoot)
		walkBranch(&n.BranchNode, atRoot, false, visit)
	case *parse.TemplateNode:
		visit(n, atRoot)
		walkTree(n.Pipe, atRoot, visit)
	case *parse.CommandNode:
		visit(n, atRoot)
		for _, a := range n.Args {
			walkTree(a, atRoot, visit)
		}
	case *parse.ChainNode:
		visit(n, atRoot)
		walkTree(n.Node, atRoot, visit)
	default:
		visit(node, atRoot)
	}
}

func walkBranch(b *parse.BranchNode, atRoot, bodyAtRoot bool, visit func(parse.Node, bool)) {
	walkTree(b.Pipe, atRoot, visit)
	walkTree(b.List, bodyAtRoot, visit)
	walkTree(b.ElseList, atRoot, visit)
}

// walkRefs calls ref for every answer node reads: a field chain on dot
// (.kind, .kind.x) where dot is still the answers (atRoot), and a chain on $
// ($.kind) anywhere.
func walkRefs(node parse.Node, atRoot bool, ref func(ref, key string)) {
	walkTree(node, atRoot, func(node parse.Node, atRoot bool) {
		switch n := node.(type) {
		case *parse.FieldNode:
			if atRoot {
				ref("."+n.Ident[0], n.Ident[0])
			}
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				ref("$."+n.Ident[1], n.Ident[1])
			}
		}
	})
}

// answerRefs calls ref with each answer node reads (as walkRefs finds them),
// and with "" where node uses the answers as a whole (. or $ as a value).
func answerRefs(node parse.Node, atRoot bool, ref func(key string)) {
	walkTree(node, atRoot, func(node parse.Node, atRoot bool) {
		switch n := node.(type) {
		case *parse.FieldNode:
			if atRoot {
				ref(n.Ident[0])
			}
		case *parse.DotNode:
			if atRoot {
				ref("")
			}
		case *parse.VariableNode:
			switch {
			case len(n.Ident) > 1 && n.Ident[0] == "$":
				ref(n.Ident[1])
			case len(n.Ident) == 1 && n.Ident[0] == "$":
				ref("")
			}
		}
	})
}
