package htmlfast

// NextNode is the node after x in a walk of root's tree in document
// order, nil at its end; with descend false, x's children are skipped.
// It follows the tree's own links, so a walk needs no stack.
func NextNode(root, x *Node, descend bool) *Node {
	if descend && x.FirstChild != nil {
		return x.FirstChild
	}
	for x != root && x.NextSibling == nil {
		if x = x.Parent; x == nil {
			return nil
		}
	}
	if x == root {
		return nil
	}
	return x.NextSibling
}
