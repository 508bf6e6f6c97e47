package idnum

// maxReference is the length of the longest reference.
const maxReference = 64

// ValidReference reports whether v can be a reference from another system
// (a bank's transaction reference of a disbursement, a repayment or a fund
// movement, a legacy loan's number): 1 to 64 letters, digits and _ . / : -,
// starting with a letter or digit.
func ValidReference(v string) bool {
	if v == "" || len(v) > maxReference {
		return false
	}
	for i := range len(v) {
		switch c := v[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '/' || c == ':' || c == '-'):
		default:
			return false
		}
	}
	return true
}
