package drops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Applied is what applying one drop's bytes did, summed over its parts.
type Applied struct {
	Format string
	model.IngestResult
}

// Apply parses a drop's bytes and applies them through ing, one part of at
// most lim.MaxBatch alerts per transaction, so memory stays bounded however
// many alerts the drop holds. Each part is recorded under its own content
// hash (the bytes' SHA-256, with "/N" after it for the parts after the
// first), so a re-delivery, or a retry after a crash between two parts,
// applies no part twice. ready, if not nil, runs once the first part is
// parsed, before anything is applied; an error from it stops the apply.
//
// A *ParseError, or an error satisfying errors.Is(err, model.ErrInvalidDrop),
// is the content's fault, and parts applied before it stay applied: they
// are what a sender of a payload too big for one part gets in any case.
// The watcher and 'hypercare ingest' both apply drops through here.
func Apply(ctx context.Context, ing model.Ingester, a model.Actor, name string, data []byte, lim Limits, received time.Time, ready func(format string) error) (Applied, error) {
	hash := hashOf(data)
	var out Applied
	part := 0
	err := ParseEach(name, data, lim, func(b Batch) error {
		if part == 0 {
			out.Format = b.Format
			if ready != nil {
				if err := ready(b.Format); err != nil {
					return err
				}
			}
		}
		d := toDrop(name, hash, part, b)
		d.Received = received
		got, err := ing.Ingest(ctx, a, d)
		if err != nil {
			return err
		}
		out.Duplicate = got.Duplicate && (part == 0 || out.Duplicate)
		out.Alerts += got.Alerts
		out.New += got.New
		out.Changed += got.Changed
		out.Older += got.Older
		out.Refused = append(out.Refused, got.Refused...)
		out.Deploys = append(out.Deploys, got.Deploys...)
		out.Runs = append(out.Runs, got.Runs...)
		for _, ref := range got.Incidents {
			if !slices.Contains(out.Incidents, ref) {
				out.Incidents = append(out.Incidents, ref)
			}
		}
		part++
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, nil
}

// ToDrop turns a parsed drop file into what the service layer ingests, as
// one part. The SHA-256 of the raw bytes is what makes a re-delivery change
// nothing. Received is now; a caller with its own clock sets it again.
func ToDrop(name string, data []byte, b Batch) model.Drop {
	return toDrop(name, hashOf(data), 0, b)
}

// hashOf is the hex SHA-256 of a drop's bytes: what makes a re-delivery
// change nothing.
func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// toDrop makes part number part of a drop. The name is cleaned like any
// text from outside, since it reaches the audit log and the screen.
func toDrop(name, hash string, part int, b Batch) model.Drop {
	events := make([]model.AlertEvent, len(b.Events))
	for i, e := range b.Events {
		events[i] = model.AlertEvent{Alert: e.Alert, Ack: e.Ack}
	}
	refused := make([]model.RefusedAlert, len(b.Refused))
	for i, r := range b.Refused {
		refused[i] = model.RefusedAlert{Key: r.Key, Name: r.Name, Service: r.Service, Where: r.Err.Where(), Reason: r.Err.Problem()}
	}
	if part > 0 {
		hash = fmt.Sprintf("%s/%d", hash, part)
	}
	return model.Drop{
		Name:       model.Clean(name, false),
		SHA256:     hash,
		Format:     b.Format,
		Group:      b.Group,
		Truncated:  b.Truncated,
		Events:     events,
		Refused:    refused,
		Deploys:    b.Deploys,
		Heartbeats: b.Heartbeats,
		Received:   time.Now(),
	}
}
