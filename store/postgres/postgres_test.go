package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/xunjian/xunjian/internal/pgtest"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/storetest"
)

func TestStore(t *testing.T) {
	srv := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), srv.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConcurrentOpen: workers starting at once migrate one at a time.
func TestConcurrentOpen(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			s, err := Open(context.Background(), url)
			if err != nil {
				t.Errorf("open %d: %v", i, err)
				return
			}
			if v, _ := s.Version(context.Background()); v != len(migrations) {
				t.Errorf("open %d: version %d", i, v)
			}
			s.Close()
		})
	}
	wg.Wait()
}

func TestOpenErrors(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, url, want string
		permanent       bool
	}{
		{"wrong password", strings.Replace(srv.URL, pgtest.Password, "wrong", 1), "password authentication failed", true},
		{"unknown database", strings.Replace(srv.URL, "/postgres?", "/nosuchdb?", 1), "does not exist", true},
		{"bad URL", "postgres://x:y@[::1/db", "database URL", true},
		{"server down", "postgres://postgres:x@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", "127.0.0.1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tc.want) || IsPermanent(err) != tc.permanent {
				t.Errorf("error %q (permanent %v)", err, IsPermanent(err))
			}
			if strings.Contains(err.Error(), pgtest.Password) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}
