// Package envtest builds the getenv functions the handlers' ConfigFromEnv
// tests pass in. Only tests import it.
package envtest

// One is a getenv that knows the variable name, set to value, and no other.
func One(name, value string) func(string) string {
	return func(k string) string {
		if k == name {
			return value
		}
		return ""
	}
}
