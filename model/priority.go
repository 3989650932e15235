package model

import "fmt"

// Level is an impact, urgency or risk rating: 1 high, 2 medium, 3 low.
type Level int

const (
	High   Level = 1
	Medium Level = 2
	Low    Level = 3
)

func (l Level) String() string {
	switch l {
	case High:
		return "high"
	case Medium:
		return "medium"
	case Low:
		return "low"
	}
	return "unset"
}

// ParseLevel reads high/medium/low or 1/2/3.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "high", "1":
		return High, nil
	case "medium", "2":
		return Medium, nil
	case "low", "3":
		return Low, nil
	}
	return 0, fmt.Errorf("level %q: use high, medium or low", s)
}

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool { return l >= High && l <= Low }

// Priority is P1 (most urgent) to P5.
type Priority int

func (p Priority) String() string { return fmt.Sprintf("P%d", int(p)) }

// priorityMatrix is the ITIL 3×3 impact × urgency table, indexed [impact-1][urgency-1].
var priorityMatrix = [3][3]Priority{
	{1, 2, 3}, // high impact
	{2, 3, 4}, // medium impact
	{3, 4, 5}, // low impact
}

// PriorityFor returns the priority for an impact and urgency.
func PriorityFor(impact, urgency Level) (Priority, error) {
	if !impact.Valid() {
		return 0, fmt.Errorf("impact %d: use high, medium or low", impact)
	}
	if !urgency.Valid() {
		return 0, fmt.Errorf("urgency %d: use high, medium or low", urgency)
	}
	return priorityMatrix[impact-1][urgency-1], nil
}

// IsMajor applies the major-incident rule: declared, or P1 on a tier-1 service.
func IsMajor(p Priority, serviceTier int, declared bool) bool {
	return declared || (p == 1 && serviceTier == 1)
}

// MarshalText writes levels as words in JSON and audit records.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level written by MarshalText.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil && string(b) == "unset" {
		*l = 0
		return nil
	}
	*l = v
	return err
}

// MarshalText writes priorities as P1…P5.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads P1…P5.
func (p *Priority) UnmarshalText(b []byte) error {
	var n int
	if _, err := fmt.Sscanf(string(b), "P%d", &n); err != nil || n < 1 || n > 5 {
		return fmt.Errorf("priority %q: use P1 to P5", b)
	}
	*p = Priority(n)
	return nil
}
