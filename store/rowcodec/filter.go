package rowcodec

import (
	"strconv"
	"strings"
	"unicode"
)

// TextFilter turns what someone typed into a filter box into query
// arguments: a pattern for a case-insensitive substring match (SQLite's
// LIKE, PostgreSQL's ILIKE; nil for no filter) and, when the text is a
// record number such as "42" or "INC-42", that id (nil otherwise).
func TextFilter(s string) (pattern, id any) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	pattern = "%" + likeEscaper.Replace(s) + "%"
	num := s
	if i := strings.IndexByte(s, '-'); i > 0 && isLetters(s[:i]) {
		num = s[i+1:]
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && n > 0 {
		id = n
	}
	return pattern, id
}

// likeEscaper escapes LIKE's wildcards; the queries say ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
