package model

import (
	"slices"
	"sync"
)

// Present is one connected console session.
type Present struct {
	Session int64
	Name    string
	Role    Role
	Viewing int64 // the incident open in its detail view, 0 for none
}

// Presence tracks who is connected to one hypercare process and what each
// session looks at, and notifies sessions when that changes. It is memory
// only: presence is about now, not history.
type Presence struct {
	Broadcaster
	mu       sync.Mutex
	next     int64
	sessions map[int64]Present
}

// Join registers a session and returns its id and the func that ends it.
func (p *Presence) Join(name string, role Role) (id int64, leave func()) {
	p.mu.Lock()
	p.next++
	id = p.next
	if p.sessions == nil {
		p.sessions = map[int64]Present{}
	}
	p.sessions[id] = Present{Session: id, Name: name, Role: role}
	p.mu.Unlock()
	p.Notify()
	var once sync.Once
	return id, func() {
		once.Do(func() {
			p.mu.Lock()
			delete(p.sessions, id)
			p.mu.Unlock()
			p.Notify()
		})
	}
}

// Look records what a session is looking at.
func (p *Presence) Look(session, incident int64) {
	p.mu.Lock()
	s, ok := p.sessions[session]
	changed := ok && s.Viewing != incident
	if changed {
		s.Viewing = incident
		p.sessions[session] = s
	}
	p.mu.Unlock()
	if changed {
		p.Notify()
	}
}

// Here lists the connected sessions in the order they joined.
func (p *Presence) Here() []Present {
	p.mu.Lock()
	out := make([]Present, 0, len(p.sessions))
	for _, s := range p.sessions {
		out = append(out, s)
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b Present) int { return int(a.Session - b.Session) })
	return out
}
