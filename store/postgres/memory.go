package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xunjian/xunjian/store"
)

var _ store.Memory = (*Store)(nil)

// URLState implements store.Memory.
func (s *Store) URLState(ctx context.Context, site, url string) (store.URLState, bool, error) {
	st := store.URLState{URL: url}
	err := s.pool.QueryRow(ctx, `SELECT page, checked_at, data FROM url_states WHERE site = $1 AND url = $2`, site, url).Scan(&st.Page, &st.CheckedAt, &st.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("URL state %s: %w", url, err)
	}
	return st, true, nil
}

// ScanURLStates implements store.Memory.
func (s *Store) ScanURLStates(ctx context.Context, site string, fn func(store.URLState) bool) error {
	rows, err := s.pool.Query(ctx, `SELECT url, page, checked_at, data FROM url_states WHERE site = $1`, site)
	if err != nil {
		return fmt.Errorf("URL states of %s: %w", site, err)
	}
	defer rows.Close()
	for rows.Next() {
		var st store.URLState
		if err := rows.Scan(&st.URL, &st.Page, &st.CheckedAt, &st.Data); err != nil {
			return fmt.Errorf("URL states of %s: %w", site, err)
		}
		if !fn(st) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("URL states of %s: %w", site, err)
	}
	return nil
}

// PutURLStates implements store.Memory: one statement for the batch (the
// last state of a URL given twice wins).
func (s *Store) PutURLStates(ctx context.Context, site string, states []store.URLState) error {
	if len(states) == 0 {
		return nil
	}
	last := make(map[string]int, len(states))
	for i, st := range states {
		last[st.URL] = i
	}
	urls := make([]string, 0, len(last))
	pages := make([]bool, 0, len(last))
	ats := make([]time.Time, 0, len(last))
	data := make([][]byte, 0, len(last))
	for i, st := range states {
		if last[st.URL] != i {
			continue
		}
		urls, pages, ats, data = append(urls, st.URL), append(pages, st.Page), append(ats, st.CheckedAt), append(data, st.Data)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO url_states(site, url, page, checked_at, data)
	  SELECT $1, * FROM unnest($2::text[], $3::boolean[], $4::timestamptz[], $5::bytea[])
	  ON CONFLICT (site, url) DO UPDATE SET page = excluded.page, checked_at = excluded.checked_at, data = excluded.data`,
		site, urls, pages, ats, data)
	if err != nil {
		return fmt.Errorf("put URL states: %w", err)
	}
	return nil
}

// TouchURLs implements store.Memory.
func (s *Store) TouchURLs(ctx context.Context, site string, urls []string, at time.Time) error {
	if len(urls) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE url_states SET checked_at = $3 WHERE site = $1 AND url = ANY($2)`, site, urls, at); err != nil {
		return fmt.Errorf("touch URL states: %w", err)
	}
	return nil
}

// CountPages implements store.Memory.
func (s *Store) CountPages(ctx context.Context, site string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM url_states WHERE site = $1 AND page`, site).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pages of %s: %w", site, err)
	}
	return n, nil
}

// Checkpoint implements store.Memory.
func (s *Store) Checkpoint(ctx context.Context, site, day string) (store.Checkpoint, bool, error) {
	c := store.Checkpoint{Site: site, Day: day}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT attempt, data::text, updated_at FROM checkpoints WHERE site = $1 AND day = $2`, site, day).Scan(&c.Attempt, &data, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("checkpoint of %s for %s: %w", site, day, err)
	}
	c.Data = data
	return c, true, nil
}

// PutCheckpoint implements store.Memory.
func (s *Store) PutCheckpoint(ctx context.Context, c store.Checkpoint) error {
	data := string(c.Data)
	if data == "" {
		data = "{}"
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO checkpoints(site, day, attempt, data, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5)
	  ON CONFLICT (site, day) DO UPDATE SET attempt = excluded.attempt, data = excluded.data, updated_at = excluded.updated_at`,
		c.Site, c.Day, c.Attempt, data, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("checkpoint of %s: %w", c.Site, err)
	}
	return nil
}

// DeleteCheckpoint implements store.Memory.
func (s *Store) DeleteCheckpoint(ctx context.Context, site, day string) error {
	return deleteCheckpoint(ctx, s.pool, site, day)
}

// DeleteCheckpoint forgets the checkpoint of a run inside the transaction
// that saves the run.
func (t *Tx) DeleteCheckpoint(ctx context.Context, site, day string) error {
	return deleteCheckpoint(ctx, t.tx, site, day)
}

func deleteCheckpoint(ctx context.Context, q querier, site, day string) error {
	if _, err := q.Exec(ctx, `DELETE FROM checkpoints WHERE site = $1 AND day = $2`, site, day); err != nil {
		return fmt.Errorf("delete checkpoint of %s: %w", site, err)
	}
	return nil
}
