package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/store/drops"
)

// dropHandler accepts alert webhooks (Alertmanager, Grafana, PagerDuty,
// Opsgenie, generic NDJSON) over HTTP and writes each as a drop file, so the
// watcher applies it by the same path as any other drop. The payload is
// parsed first, so a sender hears about a bad payload at once (400) rather
// than finding it in rejected/.
func dropHandler(dir string, lim drops.Limits, now func() time.Time) http.Handler {
	var seq atomic.Uint64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(lim.MaxBytes)))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, fmt.Sprintf("payload over %d bytes; send smaller groups", lim.MaxBytes), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		name := fmt.Sprintf("%s-http-%06d", now().UTC().Format("20060102T150405.000"), seq.Add(1))
		b, err := drops.Parse(name, body, lim)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		name += "-" + b.Format + ".json"
		if err := writeDrop(dir, name, body); err != nil {
			http.Error(w, "could not queue the drop: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "{\"queued\":%s,\"format\":%q,\"alerts\":%d}\n", strconv.Quote(name), b.Format, len(b.Events))
	})
	return mux
}

// writeDrop writes a drop the way producers must: as a dotfile, synced,
// then renamed in, so the watcher never reads half a file.
func writeDrop(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}
