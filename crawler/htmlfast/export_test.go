package htmlfast

// The tests check every cached scope lookup against the full walk.
func init() { checkPScope = true }
