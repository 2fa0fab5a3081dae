package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xunjian/xunjian/store"
)

var _ store.Memory = (*Store)(nil)

// URLState implements store.Memory.
func (s *Store) URLState(ctx context.Context, site, url string) (store.URLState, bool, error) {
	st := store.URLState{URL: url}
	var page int
	var at int64
	stmt, err := s.urlStateStmt(ctx)
	if err != nil {
		return st, false, fmt.Errorf("URL state %s: %w", url, err)
	}
	err = stmt.QueryRowContext(ctx, site, url).Scan(&page, &at, &st.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("URL state %s: %w", url, err)
	}
	st.Page, st.CheckedAt = page == 1, time.Unix(0, at)
	return st, true, nil
}

// ScanURLStates implements store.Memory.
func (s *Store) ScanURLStates(ctx context.Context, site string, fn func(store.URLState) bool) error {
	rows, err := s.db.QueryContext(ctx, `SELECT url, page, checked_at, data FROM url_states WHERE site = ?`, site)
	if err != nil {
		return fmt.Errorf("URL states of %s: %w", site, err)
	}
	defer rows.Close()
	for rows.Next() {
		var st store.URLState
		var page int
		var at int64
		if err := rows.Scan(&st.URL, &page, &at, &st.Data); err != nil {
			return fmt.Errorf("URL states of %s: %w", site, err)
		}
		st.Page, st.CheckedAt = page == 1, time.Unix(0, at)
		if !fn(st) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("URL states of %s: %w", site, err)
	}
	return nil
}

// urlStateStmt is the lookup every URL of a re-inspection makes,
// prepared once.
func (s *Store) urlStateStmt(ctx context.Context) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.urlStmt == nil {
		stmt, err := s.db.PrepareContext(ctx, `SELECT page, checked_at, data FROM url_states WHERE site = ? AND url = ?`)
		if err != nil {
			return nil, err
		}
		s.urlStmt = stmt
	}
	return s.urlStmt, nil
}

// PutURLStates implements store.Memory: one transaction for the batch.
func (s *Store) PutURLStates(ctx context.Context, site string, states []store.URLState) error {
	if len(states) == 0 {
		return nil
	}
	return s.batch(ctx, "put URL states", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO url_states(site, url, page, checked_at, data) VALUES (?, ?, ?, ?, ?)
		  ON CONFLICT(site, url) DO UPDATE SET page = excluded.page, checked_at = excluded.checked_at, data = excluded.data`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, st := range states {
			if _, err := stmt.ExecContext(ctx, site, st.URL, boolInt(st.Page), st.CheckedAt.UnixNano(), st.Data); err != nil {
				return err
			}
		}
		return nil
	})
}

// TouchURLs implements store.Memory.
func (s *Store) TouchURLs(ctx context.Context, site string, urls []string, at time.Time) error {
	if len(urls) == 0 {
		return nil
	}
	return s.batch(ctx, "touch URL states", func(tx *sql.Tx) error {
		const chunk = 500
		for len(urls) > 0 {
			n := min(chunk, len(urls))
			args := make([]any, 0, n+2)
			args = append(args, at.UnixNano(), site)
			for _, u := range urls[:n] {
				args = append(args, u)
			}
			q := `UPDATE url_states SET checked_at = ? WHERE site = ? AND url IN (?` + strings.Repeat(`, ?`, n-1) + `)`
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			urls = urls[n:]
		}
		return nil
	})
}

// batch runs fn in one write transaction.
func (s *Store) batch(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CountPages implements store.Memory.
func (s *Store) CountPages(ctx context.Context, site string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM url_states WHERE site = ? AND page = 1`, site).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pages of %s: %w", site, err)
	}
	return n, nil
}

// Checkpoint implements store.Memory.
func (s *Store) Checkpoint(ctx context.Context, site, day string) (store.Checkpoint, bool, error) {
	c := store.Checkpoint{Site: site, Day: day}
	var data string
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT attempt, data, updated_at FROM checkpoints WHERE site = ? AND day = ?`, site, day).Scan(&c.Attempt, &data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("checkpoint of %s for %s: %w", site, day, err)
	}
	c.Data, c.UpdatedAt = []byte(data), time.Unix(0, at)
	return c, true, nil
}

// PutCheckpoint implements store.Memory.
func (s *Store) PutCheckpoint(ctx context.Context, c store.Checkpoint) error {
	return s.batch(ctx, "checkpoint of "+c.Site, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints(site, day, attempt, data, updated_at) VALUES (?, ?, ?, ?, ?)
		  ON CONFLICT(site, day) DO UPDATE SET attempt = excluded.attempt, data = excluded.data, updated_at = excluded.updated_at`,
			c.Site, c.Day, c.Attempt, string(c.Data), c.UpdatedAt.UnixNano())
		return err
	})
}

// DeleteCheckpoint implements store.Memory.
func (s *Store) DeleteCheckpoint(ctx context.Context, site, day string) error {
	return s.batch(ctx, "delete checkpoint of "+site, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE site = ? AND day = ?`, site, day)
		return err
	})
}

// pruneMemory forgets URLs no run has requested for a long time and
// checkpoints of runs that never finished.
func pruneMemory(ctx context.Context, q queryer, now time.Time) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM url_states WHERE checked_at < ?`, now.Add(-store.URLStateRetention).UnixNano()); err != nil {
		return fmt.Errorf("prune URL states: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM checkpoints WHERE updated_at < ?`, now.Add(-72*time.Hour).UnixNano()); err != nil {
		return fmt.Errorf("prune checkpoints: %w", err)
	}
	return nil
}
