package pg

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/hypercare-ops/hypercare/model"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUnreachable marks an error that says the database could not be
// reached (down, restarting, failing over, the network), as opposed to one
// about what was asked of it: model.ErrUnreachable, which the console
// shows as a banner.
var ErrUnreachable = model.ErrUnreachable

// unreachable wraps a connection error with ErrUnreachable; other errors
// pass through unchanged.
func unreachable(err error) error {
	if err == nil || errors.Is(err, ErrUnreachable) || !connectionLost(err) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

func connectionLost(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true // whatever the server said, it cannot be reached
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is connection exceptions; 57P01-57P03 are the server
		// shutting down or not yet accepting connections.
		return len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code[:4] == "57P0")
	}
	var netErr net.Error
	return errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// pgCode is the SQLSTATE of a PostgreSQL error, "" for other errors.
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// isForeignKeyErr reports a foreign key violation.
func isForeignKeyErr(err error) bool { return pgCode(err) == "23503" }
