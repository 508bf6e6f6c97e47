package httpapi

// GinJSON has the answers with an encoder of their own written by gin's
// c.JSON (encoding/json) until restore is called.
func GinJSON() (restore func()) {
	ginJSON.Store(true)
	return func() { ginJSON.Store(false) }
}
