package sheet

import "strings"

// CSVText neutralises a text cell of a CSV export against CSV injection
// (OWASP): a cell that starts with = + - @, a tab or a carriage return is
// read by Excel and WPS as a formula (=HYPERLINK(…), +cmd|…, @SUM(…)), so it
// gets a leading apostrophe, which makes a spreadsheet show the cell as the
// text it is. Every CSV the server writes passes its text cells through here;
// workbooks need no such thing, their text cells are strings.
func CSVText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
