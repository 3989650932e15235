package rowcodec

import (
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// ScanJobRun scans the stores' jobRunColumns.
func ScanJobRun(row Row) (model.JobRun, error) {
	var r model.JobRun
	var durMS int64
	err := row.Scan(&r.ID, &r.Job, &r.RunID, Time(&r.Scheduled), Time(&r.Started), Time(&r.Finished), &r.Status,
		&durMS, &r.Size, &r.Message, &r.AlertKey, &r.AlertOpen, Time(&r.Recorded), Time(&r.Updated))
	r.Duration = time.Duration(durMS) * time.Millisecond
	return r, err
}
