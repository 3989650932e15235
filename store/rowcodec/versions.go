package rowcodec

import (
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// partCounters are the counters of the parts (migration 0021), by
// model.Part.
var partCounters = [model.PartCount]string{
	model.PartKnowledge:    "knowledge_changed",
	model.PartCalendar:     "calendar_changed",
	model.PartWarRooms:     "war_rooms_changed",
	model.PartCertificates: "certificates_changed",
}

// VersionsSQL reads the parts' counters as one row, by model.Part; value is
// how the store reads the value of counter c.
func VersionsSQL(value string) string {
	cols := make([]string, len(partCounters))
	for i, name := range partCounters {
		cols[i] = "(SELECT " + value + " FROM counters c WHERE c.name = '" + name + "')"
	}
	return "SELECT " + strings.Join(cols, ", ")
}

// ScanVersions scans VersionsSQL's row.
func ScanVersions(row Row) (model.Versions, error) {
	var v model.Versions
	dest := make([]any, len(v))
	for i := range v {
		dest[i] = &v[i]
	}
	return v, row.Scan(dest...)
}
