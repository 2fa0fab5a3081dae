package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/serve"
)

func serveKey(s config.Site) string { return serve.SiteKey(s) }

// syncSites agrees this worker's sites with the database's. A site the
// database does not know is added; a site it knows keeps the database's
// settings, and a difference is logged (two workers' configs disagreeing
// must not make them inspect one site two ways). push makes this config's
// sites the database's copy, removing the others. It returns every site
// the database holds, by key.
func (n *Node) syncSites(ctx context.Context, sites []config.Site, push bool) (map[string]config.Site, error) {
	out := map[string]config.Site{}
	err := pgx.BeginFunc(ctx, n.store.Pool(), func(tx pgx.Tx) error {
		mine := map[string]config.Site{}
		for _, s := range sites {
			key := serveKey(s)
			mine[key] = s
			body, err := json.Marshal(s)
			if err != nil {
				return err
			}
			q := `INSERT INTO sites(key, config, updated_by) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`
			if push {
				q = `INSERT INTO sites(key, config, updated_by) VALUES ($1, $2, $3)
				  ON CONFLICT (key) DO UPDATE SET config = excluded.config, updated_by = excluded.updated_by, updated_at = now()`
			}
			if _, err := tx.Exec(ctx, q, key, body, n.id); err != nil {
				return fmt.Errorf("sites: %w", err)
			}
		}
		if push {
			keys := make([]string, 0, len(mine))
			for k := range mine {
				keys = append(keys, k)
			}
			tag, err := tx.Exec(ctx, `DELETE FROM sites WHERE NOT (key = ANY($1))`, keys)
			if err != nil {
				return fmt.Errorf("sites: %w", err)
			}
			if tag.RowsAffected() > 0 {
				n.log.Warn("sites removed from the cluster (--push-sites)", "removed", tag.RowsAffected())
			}
		}
		rows, err := tx.Query(ctx, `SELECT key, config, updated_by FROM sites`)
		if err != nil {
			return fmt.Errorf("sites: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key, by string
			var body []byte
			if err := rows.Scan(&key, &body, &by); err != nil {
				return fmt.Errorf("sites: %w", err)
			}
			var s config.Site
			if err := json.Unmarshal(body, &s); err != nil {
				return fmt.Errorf("site %s in the database: %w", key, err)
			}
			out[key] = s
			if m, ok := mine[key]; ok && !reflect.DeepEqual(normal(m), normal(s)) {
				n.log.Warn("site settings differ from the database's; the database's view wins (serve --push-sites to replace it)",
					"site", key, "database", fmt.Sprintf("%+v", s), "config", fmt.Sprintf("%+v", m), "set_by", by)
			}
		}
		return rows.Err()
	})
	return out, err
}

// normal makes nil and empty host lists compare equal.
func normal(s config.Site) config.Site {
	if len(s.Hosts) == 0 {
		s.Hosts = nil
	}
	return s
}

func sortedSites(m map[string]config.Site) []config.Site {
	out := make([]config.Site, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return serveKey(out[i]) < serveKey(out[j]) })
	return out
}
