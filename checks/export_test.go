package checks

// Evasions is exported to the external tests (realdocs_test.go).
var Evasions = evasions
