package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// Deploys (migration 0009), as store/deploys.go.
const (
	deployColumns = `id, service, key, version, deployer, start_at, end_at, status, url, named_change, change_id,
	unauthorised, note, recorded_at, updated_at`

	deployByKeySQL    = `SELECT ` + deployColumns + ` FROM deploys WHERE service = $1 AND key = $2`
	deploysBetweenSQL = `SELECT ` + deployColumns + ` FROM deploys WHERE start_at >= $1 AND start_at < $2 ORDER BY start_at, id`
	changeDeploysSQL  = `SELECT ` + deployColumns + ` FROM deploys WHERE change_id = $1 ORDER BY start_at, id`

	insertDeploySQL = `INSERT INTO deploys (service, key, version, deployer, start_at, end_at, status, url, named_change,
	change_id, unauthorised, note, recorded_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id`

	updateDeploySQL = `UPDATE deploys SET end_at = $2, status = $3, url = $4, change_id = $5, unauthorised = $6,
	note = $7, updated_at = $8
WHERE id = $1`
)

// DeploysBetween lists the deploys that started in [from, to), by start.
func (db *DB) DeploysBetween(ctx context.Context, from, to time.Time) ([]model.Deploy, error) {
	rows, err := db.query(ctx, deploysBetweenSQL, from.UnixMilli(), to.UnixMilli())
	return collect(rows, err, "deploys", rowcodec.ScanDeploy)
}

// Deploys lists the deploys a change covers, by start.
func (db *DB) Deploys(ctx context.Context, changeID int64) ([]model.Deploy, error) {
	rows, err := db.query(ctx, changeDeploysSQL, changeID)
	return collect(rows, err, fmt.Sprintf("deploys of CHG-%d", changeID), rowcodec.ScanDeploy)
}

func (t *tx) DeployByKey(service, key string) (model.Deploy, error) {
	d, err := rowcodec.ScanDeploy(t.queryRow(deployByKeySQL, service, key))
	return d, found(err, "read deploy %s of %s", key, service)
}

func (t *tx) InsertDeploy(d *model.Deploy) error {
	err := t.queryRow(insertDeploySQL, d.Service, d.Key, d.Version, d.By, ms(d.Start), ms(d.End),
		string(d.Status), d.URL, nullID(d.Named), nullID(d.ChangeID), d.Unauthorised, d.Note, ms(d.Recorded),
		ms(d.Updated)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("insert deploy %s of %s: %w", d.Version, d.Service, unreachable(err))
	}
	return nil
}

func (t *tx) UpdateDeploy(d model.Deploy) error {
	return t.execOne(d.Ref(), updateDeploySQL, d.ID, ms(d.End), string(d.Status), d.URL, nullID(d.ChangeID),
		d.Unauthorised, d.Note, ms(d.Updated))
}
