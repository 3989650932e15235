package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// expiring reads what leads must be warned about among the plan's licences
// and the checked certificates, soonest expiry first.
func expiring(ctx context.Context, r model.Reader, licences []model.Licence, owner func(string) string, now time.Time) ([]model.ExpiryStatus, error) {
	certs, err := r.Certificates(ctx)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	var out []model.ExpiryStatus
	for _, e := range model.Expiries(model.Watched(licences, certs, owner), now) {
		if e.Warn() {
			out = append(out, e)
		}
	}
	return out, nil
}

// expiryBanner is the leads' line about licences and certificates: each
// that expired or comes within 30 days of it, is due for renewal or is used
// beyond its limit, soonest first, and where to see them all.
func (m *Model) expiryBanner() string {
	list := m.counts.expiring
	if len(list) == 0 {
		return ""
	}
	now := m.s.Now()
	parts := make([]string, len(list))
	for i, e := range list {
		left := e.Expires.Sub(now)
		var what []string
		switch {
		case left <= 0:
			what = append(what, model.LeftText(left))
		case e.Stage != model.StageNone:
			what = append(what, "expires "+model.LeftText(left))
		}
		if e.RenewDue {
			what = append(what, "renewal due")
		}
		if e.Usage.Over() {
			what = append(what, fmt.Sprintf("%d of %d %s in use", e.Usage.InUse, e.Usage.Limit, e.Usage.Unit))
		}
		parts[i] = e.Name + " " + strings.Join(what, ", ")
	}
	// As many named, whole, as the screen holds; on a narrow one the count
	// and where to read them rather than a first name cut.
	var text string
	for n := len(parts); n >= 0; n-- {
		switch n {
		case 0:
			text = fmt.Sprintf(" ⚠ %d licences/certificates need attention: :licences", len(list))
			if width(text) > m.w {
				text = fmt.Sprintf(" ⚠ %d licences/certs: :licences", len(list))
			}
		case len(parts):
			text = fmt.Sprintf(" ⚠ Licences and certificates (%d): %s — :licences lists them", len(list), strings.Join(parts, " · "))
		default:
			text = fmt.Sprintf(" ⚠ Licences and certificates (%d): %s … — :licences lists them", len(list), strings.Join(parts[:n], " · "))
		}
		if width(text) <= m.w {
			break
		}
	}
	return m.s.st.memo(&m.s.st.Banner, fit(text, m.w))
}

// licencesBody lists every licence and certificate hypercare watches,
// with where each stands now (:licences).
type licencesBody struct{}

func (b licencesBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	p := s.plan()
	if p == nil {
		return b, "", "", errors.New("no support plan is loaded")
	}
	certs, err := s.Reader.Certificates(ctx)
	if err != nil {
		return b, "", "", err
	}
	list := model.Expiries(model.Watched(p.LicenceList(), certs, p.OwnerTeam), s.Now())
	return b, fmt.Sprintf("Licences and certificates (%d)", len(list)), strings.Join(licenceLines(s, list, w), "\n"), nil
}

func (licencesBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (licencesBody) actions(*session) []key.Binding         { return nil }

// licenceLines lay out each licence in two or three lines: its name and
// state, then when it expires, who renews it and what it serves.
func licenceLines(s *session, list []model.ExpiryStatus, w int) []string {
	st, loc := s.st, s.loc()
	if len(list) == 0 {
		return []string{" " + st.Dim.Render("The plan lists no [[licence]], and no certificate was checked (hypercare cert check HOST:PORT).")}
	}
	var lines []string
	for _, e := range list {
		state, style := "ok", st.Dim
		switch {
		case e.Stage == model.StageExpired:
			state, style = "EXPIRED", st.Error
		case e.Stage == 1:
			state, style = "expires "+model.LeftText(e.Left), st.Error
		case e.Stage != model.StageNone:
			state, style = "expires "+model.LeftText(e.Left), st.Warn
		case e.RenewDue:
			state, style = "renewal due", st.Warn
		}
		if e.RenewDue && e.Stage != model.StageNone {
			state += " · renewal due"
		}
		head := " " + st.Bold.Render(e.Name) + "  "
		lines = append(lines, head+style.Render(fit(state, max(w-width(head)-1, 10))))
		facts := []string{e.Kind, "expires " + stamp(e.Expires, loc)}
		if e.Service != "" {
			facts = append(facts, e.Service)
		}
		if e.Owner != "" {
			facts = append(facts, "renewed by "+e.Owner)
		}
		if !e.RenewBy.IsZero() {
			facts = append(facts, "renew from "+stamp(e.RenewBy, loc))
		}
		if u := e.Usage.String(); u != "" {
			if e.Usage.Over() {
				u += " OVER LIMIT"
			}
			facts = append(facts, u)
		}
		switch {
		case !e.CheckedAt.IsZero():
			facts = append(facts, "read from "+e.Endpoint+" "+stamp(e.CheckedAt, loc))
		case e.Endpoint != "":
			facts = append(facts, "the plan's date; hypercare cert check "+e.Endpoint+" reads the live one")
		}
		for _, l := range wrap(strings.Join(facts, " · "), max(w-4, 20)) {
			lines = append(lines, "   "+st.Dim.Render(l))
		}
		lines = append(lines, "")
	}
	return append(lines, " "+st.Dim.Render(fit("Warnings go to the feed 30, 14, 7 and 1 days ahead and at expiry.", max(w-2, 10))))
}
