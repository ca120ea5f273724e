package postgres

import (
	"context"
	"errors"
)

// LockSessionSetting returns a setting of the lock's database session.
func (s *Store) LockSessionSetting(ctx context.Context, name string) (string, error) {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockConn == nil {
		return "", errors.New("not locked")
	}
	var v string
	err := s.lockConn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}
