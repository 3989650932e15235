package store

import (
	"cmp"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// New alerts are held back and written together.
//
// Under a flood most of a drop's writes are new alerts, and a statement
// each costs more than its row: every statement walks each of the alerts
// table's indexes down from the root again, and opens and closes a
// statement journal (the table has triggers). So UpsertAlert does not write
// an alert that LookupAlerts found not stored: it holds it, with the id
// SQLite would have given it (one more than the largest), and tells the
// intake what the single upsert would have told it (rowcodec.Stored).
// The transaction writes what it holds in multi-row INSERTs of the same
// values (newAlertValues) before any statement that could see the alerts
// table (tx.stmt), before a savepoint is taken or released, and before it
// commits. So every statement that could see them sees exactly the rows
// it would have seen (upsertKnown, which cannot, does not wait for them),
// and the held alerts reach the table in the order they came.
//
// SetAlertMarks on a held alert sets its marks in the held row, when it
// leaves the alert's storm as it is; a new alert routed to an incident,
// silenced or truncated is then written once, not written and updated.

// heldChunks are the multi-row INSERTs' sizes, largest first: writing n
// alerts takes the largest that fit, so that a few statements prepared at
// Open serve any n. Larger ones wrote no faster (64 rows make a statement
// cost little beside them) and took longer to prepare: up to 256 rows
// made Open a fifth slower, and under the race detector added about 0.4 s
// to every test that opens a database.
var heldChunks = []int{64, 32, 16, 8, 4, 2, 1}

// heldParams are a held row's arguments: the upsert's ?1 to ?16, then its
// id and its marks (held.args).
const heldParams = 22

const (
	heldColumns = `id, silenced_by, flapping, after_change, incident_id, truncated, ` + newAlertColumns
	heldValues  = `?17, ?18, ?19, ?20, ?21, ?22, ` + newAlertValues

	maxAlertIDSQL = `SELECT max(id) FROM alerts`
)

// heldRow is heldValues with each ?N written as a bare ?, and heldOrder
// the argument (N-1) each ? takes, in order. Numbered parameters would
// cost more than the rows: the driver asks SQLite each parameter's name,
// and SQLite finds a number's name by walking the statement's list of
// them, so binding n of them took time n².
var heldRow, heldOrder = func() (string, []int) {
	var order []int
	row := regexp.MustCompile(`\?(\d+)`).ReplaceAllStringFunc(heldValues, func(p string) string {
		i, _ := strconv.Atoi(p[1:])
		order = append(order, i-1)
		return "?"
	})
	return "(" + row + ")", order
}()

// insertHeldSQL is the INSERT of n held alerts, by n in heldChunks.
var insertHeldSQL = func() map[int]string {
	out := make(map[int]string, len(heldChunks))
	for _, n := range heldChunks {
		out[n] = "INSERT INTO alerts (" + heldColumns + ")\nVALUES " + strings.Repeat(heldRow+",\n", n-1) + heldRow
	}
	return out
}()

func heldQueries() []string {
	qs := []string{maxAlertIDSQL}
	for _, n := range heldChunks {
		qs = append(qs, insertHeldSQL[n])
	}
	return qs
}

// heldAlerts are a transaction's held alerts.
type heldAlerts struct {
	held   []held // ids lastID-len(held)+1 to lastID, in order
	lastID int64  // the id given to the last held alert
	args   []any  // reused by writeHeld
	// failed is why writing held alerts failed inside a savepoint: what
	// the savepoint wrote is undone at once, and Savepoint reports it.
	// lost is why it failed where the transaction cannot go on: outside
	// any savepoint, or after SQLite rolled the whole transaction back
	// itself (an I/O error does). The transaction is rolled back, so every
	// later statement fails rather than run on its own outside it, and
	// Write reports it.
	failed, lost error
}

type held struct {
	storm int64 // the storm it was held with: SetAlertMarks folds in only marks that keep it
	args  [heldParams]any
}

// hold is UpsertAlert for an alert LookupAlerts found not stored. It
// reports false, holding nothing, when SQLite would not give the next id
// (the largest is the largest an id can be); UpsertAlert then writes it.
func (t *tx) hold(a *model.Alert, firstSeen time.Time) (model.Upserted, bool, error) {
	if len(t.held) == 0 {
		var top sql.NullInt64
		if err := t.bound(maxAlertIDSQL).QueryRowContext(t.ctx).Scan(&top); err != nil {
			return model.Upserted{}, false, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
		}
		t.lastID = top.Int64
	}
	if t.lastID == math.MaxInt64 {
		return model.Upserted{}, false, t.writeHeld()
	}
	t.lastID++
	h := held{storm: a.StormID}
	args := upsertArgs(a, firstSeen)
	copy(h.args[:], args[:])
	a.ID = t.lastID
	up := rowcodec.Stored(a, false, model.Alert{}, "", 0)
	h.args[16] = a.ID
	setHeldMarks(&h, *a)
	t.held = append(t.held, h)
	return up, true, nil
}

func setHeldMarks(h *held, a model.Alert) {
	h.args[17], h.args[18], h.args[19] = nullID(a.SilencedBy), a.Flapping, nullID(a.AfterChange)
	h.args[20], h.args[21] = nullID(a.IncidentID), a.Truncated
}

// markHeld is SetAlertMarks for a held alert whose storm the marks keep;
// it reports false for any other.
func (t *tx) markHeld(a model.Alert) bool {
	i := a.ID - (t.lastID - int64(len(t.held)) + 1)
	if i < 0 || i >= int64(len(t.held)) || t.held[i].storm != a.StormID {
		return false
	}
	setHeldMarks(&t.held[i], a)
	return true
}

// writeHeld writes the held alerts. A failure is kept (failed, lost) for
// the innermost Savepoint, or for Write, to report: a statement run after
// it cannot report it.
func (t *tx) writeHeld() error {
	if err := t.cause(nil); err != nil {
		return err
	}
	for from := 0; from < len(t.held); {
		left := len(t.held) - from
		n := heldChunks[len(heldChunks)-1]
		for _, c := range heldChunks {
			if c <= left {
				n = c
				break
			}
		}
		t.args = t.args[:0]
		for i := from; i < from+n; i++ {
			for _, a := range heldOrder {
				t.args = append(t.args, t.held[i].args[a])
			}
		}
		if _, err := t.bound(insertHeldSQL[n]).ExecContext(t.ctx, t.args...); err != nil {
			err = fmt.Errorf("write %d new alerts, the first %q: %w", n, t.held[from].args[0], err)
			t.dropHeld()
			// Nothing after may build on rows that are not there: the
			// savepoint's writes are undone now, and if its savepoint is
			// gone too, SQLite ended the transaction, which must end here.
			if t.saves > 0 {
				if _, rerr := t.tx.ExecContext(t.ctx, fmt.Sprintf("ROLLBACK TO s%d", t.saves)); rerr == nil {
					t.failed = err
					return err
				}
			}
			t.lost = err
			_ = t.tx.Rollback()
			return err
		}
		from += n
	}
	t.dropHeld()
	return nil
}

// dropHeld forgets the held alerts: written, or undone with a savepoint.
// It keeps the buffers for the next ones, emptied of their strings.
func (t *tx) dropHeld() {
	clear(t.held)
	t.held = t.held[:0]
	clear(t.args)
	t.args = t.args[:0]
}

// sqlTx is the transaction, for statements that are not prepared at Open,
// after the held alerts are written.
func (t *tx) sqlTx() *sql.Tx {
	if len(t.held) > 0 {
		_ = t.writeHeld()
	}
	return t.tx
}

// cause is err, or what made it: a failed write of held alerts, after
// which statements fail (lost) or run on what is undone (failed).
func (t *tx) cause(err error) error {
	return cmp.Or(t.lost, t.failed, err)
}
