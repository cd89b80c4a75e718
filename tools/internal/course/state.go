package course

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateFile is where the learner's progress is kept, relative to the root.
// Git ignores .course/, so progress stays on the learner's machine.
const StateFile = ".course/state.json"

// Status is how far the learner has got with an exercise.
type Status string

// The statuses, in the order a learner meets them.
const (
	NotStarted Status = "not started"
	Failing    Status = "failing"
	Passed     Status = "passed"
)

// Progress is the learner's record for one exercise.
type Progress struct {
	Status     Status    `json:"status"`
	Passed     int       `json:"passed"`      // behaviours passing at the last grade
	Total      int       `json:"total"`       // behaviours graded
	HintsShown int       `json:"hints_shown"` // how many hints have been shown, in order
	GradedAt   time.Time `json:"graded_at,omitzero"`

	// The best grade so far: a later, worse grade (a refactoring that
	// broke something) does not hide how far the learner once got.
	BestPassed int       `json:"best_passed"`
	BestAt     time.Time `json:"best_at,omitzero"`
}

// Record stores a grade: passed of total behaviours, at the time at. It is
// the last grade from now on, and the best too if it passes more.
func (p *Progress) Record(passed, total int, at time.Time) {
	p.Passed, p.Total, p.GradedAt = passed, total, at
	p.Status = Failing
	if total > 0 && passed == total {
		p.Status = Passed
	}
	if passed > p.BestPassed || p.BestAt.IsZero() {
		p.BestPassed, p.BestAt = passed, at
	}
}

// State is the learner's progress through every exercise.
type State struct {
	Exercises map[string]*Progress `json:"exercises"`
}

// Of returns the progress record for the exercise, creating it if needed.
func (s *State) Of(name string) *Progress {
	if s.Exercises == nil {
		s.Exercises = map[string]*Progress{}
	}
	p, ok := s.Exercises[name]
	if !ok {
		p = &Progress{Status: NotStarted}
		s.Exercises[name] = p
	}
	return p
}

// StatusOf returns the exercise's status without creating a record.
func (s *State) StatusOf(name string) Status {
	if p, ok := s.Exercises[name]; ok && p.Status != "" {
		return p.Status
	}
	return NotStarted
}

// LoadState reads the state file under root. A missing file is a fresh
// start, not an error.
func LoadState(root string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(root, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading progress: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading progress: %s is damaged (%v); delete it to start afresh", StateFile, err)
	}
	return &s, nil
}

// Save writes the state file under root. It writes a temporary file and
// renames it into place, so an interrupted save never leaves half a file.
func (s *State) Save(root string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	file := filepath.Join(root, StateFile)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "state-*.json")
	if err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving progress: %w", err)
	}
	return nil
}
